import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSmallDisk } from '../../test/helpers/small-disk.ts';
import { videosDir } from '../../test/helpers/test-media.ts';
import { MediaError } from './media-error.ts';
import { extractFrames, probeVideo, type FrameExtractionOptions } from './video.ts';

const fixtures = join(import.meta.dirname, '../../test/fixtures/media');
const fixture = (name: string) => join(fixtures, name);
const clip = fixture('clip.mp4'); // ffmpeg testsrc, 160×120, 10 fps, 4 s

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'strata-video-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

function frameOptions(name: string, overrides: Partial<FrameExtractionOptions> = {}): FrameExtractionOptions {
  return { outDir: join(tmp, name), fps: 1, maxFrames: 100, maxPixels: 100_000_000, ...overrides };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('probeVideo', () => {
  it('reports duration, size, rate, codec and container', async () => {
    const probe = await probeVideo(clip, {});
    expect(probe).toEqual({
      durationSeconds: 4,
      width: 160,
      height: 120,
      fps: 10,
      codec: 'h264',
      format: 'mov,mp4,m4a,3gp,3g2,mj2',
    });
  });

  it('reports the displayed size of a rotated (portrait phone) video', async () => {
    const probe = await probeVideo(fixture('rotated.mp4'), {});
    expect([probe.width, probe.height]).toEqual([120, 160]);
  });

  it('reads real AVI files', async () => {
    const probe = await probeVideo(join(await videosDir(), 'vtest.avi'), {});
    expect(probe).toMatchObject({ width: 768, height: 576, fps: 10, format: 'avi' });
    expect(probe.durationSeconds).toBeCloseTo(79.5, 0);
  });

  it('rejects a file with no video stream', async () => {
    const e = await failure(probeVideo(fixture('audio-only.mp4'), {}));
    expect(e.kind).toBe('no-video-stream');
    expect(e.message).toBe('no video stream found in the file');
  });

  it('rejects a file that is not a video, with ffprobe’s reason and without the path', async () => {
    const e = await failure(probeVideo(fixture('not-a-video.mp4'), {}));
    expect(e.kind).toBe('unsupported');
    expect(e.message).toMatch(/^not a readable video \(.*Invalid data found when processing input\)$/);
    expect(e.message).not.toContain(fixtures);
  });

  it('rejects empty and missing files before running ffprobe', async () => {
    const empty = join(tmp, 'empty.mp4');
    writeFileSync(empty, '');
    expect((await failure(probeVideo(empty, {}))).message).toBe('empty file (0 bytes)');
    expect((await failure(probeVideo(join(tmp, 'missing.mp4'), {}))).kind).toBe('unreadable');
  });

  it('says how to fix a missing ffprobe', async () => {
    const e = await failure(probeVideo(clip, { ffprobePath: join(tmp, 'bin/ffprobe') }));
    expect(e.kind).toBe('tool-missing');
    expect(e.message).toMatch(/^ffprobe not found: install it \(apt-get install ffmpeg\)/);
  });

  it('is not confused by file names that look like ffmpeg protocols or options', async () => {
    const dir = join(tmp, 'odd-names');
    mkdirSync(dir, { recursive: true });
    for (const name of ['concat:clip.mp4', '-i clip.mp4']) {
      const path = join(dir, name);
      writeFileSync(path, readFileSync(clip));
      expect((await probeVideo(path, {})).width, name).toBe(160);
    }
  });
  it('refuses files that name other files (playlists, concat lists), reading none of them', async () => {
    const dir = join(tmp, 'lists');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'beside.mp4'), readFileSync(clip));
    const lists = {
      'hls.mp4': `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4.0,\n${clip}\n#EXT-X-ENDLIST\n`,
      // concat's "safe" mode allows plain relative names: one beside the list is read.
      'concat.mp4': `ffconcat version 1.0\nfile 'beside.mp4'\n`,
    };
    for (const [name, text] of Object.entries(lists)) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const e = await failure(probeVideo(path, {}));
      expect(e.kind, name).toBe('unsupported');
      expect(e.message, name).toMatch(/^not a readable video/);
      expect((await failure(extractFrames(path, frameOptions(`lists-${name}`)))).kind, name).toBe('unsupported');
    }
  });
});

describe('extractFrames', () => {
  it('writes numbered JPEG frames at the requested rate', async () => {
    const frames = await extractFrames(clip, frameOptions('one-per-second'));
    // Frame n is n / rate seconds in: both count from 0.
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(frames.map((f) => f.timestampSeconds)).toEqual([0, 1, 2, 3]);
    expect(frames[0]!.path).toBe(join(tmp, 'one-per-second', 'frame-000000.jpg'));
    for (const frame of frames) {
      const meta = await sharp(frame.path).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 120]);
    }
  });

  it('says the disk is full, not that the video is corrupt, when its frames cannot be written', async (t) => {
    const disk = await mountSmallDisk(1);
    if ('skipReason' in disk) return t.skip(disk.skipReason);
    try {
      disk.fill();
      await expect(extractFrames(clip, frameOptions('x', { outDir: disk.dir }))).rejects.toMatchObject({ code: 'ENOSPC' });
    } finally {
      await disk.unmount();
    }
  });

  it('writes rotated videos’ frames upright', async () => {
    const [frame] = await extractFrames(fixture('rotated.mp4'), frameOptions('rotated'));
    const meta = await sharp(frame!.path).metadata();
    expect([meta.width, meta.height]).toEqual([120, 160]);
  });

  it('spreads frames over the whole video when the rate would exceed maxFrames', async () => {
    const all = await extractFrames(clip, frameOptions('all', { fps: 10 }));
    expect(all).toHaveLength(40);
    const spread = await extractFrames(clip, frameOptions('spread', { fps: 10, maxFrames: 5 }));
    expect(spread.map((f) => f.timestampSeconds)).toEqual([0, 0.8, 1.6, 2.4, 3.2]);
    // Each sampled frame is exactly the video's frame at its timestamp, so the last comes
    // from the end of the clip rather than the first half second.
    for (const frame of spread) {
      const same = all[Math.round(frame.timestampSeconds * 10)]!;
      expect(sha256(frame.path), `t=${frame.timestampSeconds}`).toBe(sha256(same.path));
    }
  });

  it('still returns a frame for a clip shorter than the sampling interval', async () => {
    const frames = await extractFrames(clip, frameOptions('slow', { fps: 0.1 }));
    expect(frames.map((f) => f.timestampSeconds)).toEqual([0]);
  });

  it('replaces frames left by an earlier attempt', async () => {
    const outDir = join(tmp, 'retry');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'frame-000099.jpg'), 'stale');
    writeFileSync(join(outDir, 'notes.txt'), 'not ours');
    const frames = await extractFrames(clip, frameOptions('retry'));
    expect(frames).toHaveLength(4);
    expect(existsSync(join(outDir, 'frame-000099.jpg'))).toBe(false);
    expect(existsSync(join(outDir, 'notes.txt'))).toBe(true);
  });

  it('samples a real video evenly', async () => {
    const frames = await extractFrames(join(await videosDir(), 'vtest.avi'), frameOptions('vtest', { maxFrames: 8 }));
    expect(frames).toHaveLength(8);
    expect(frames.at(-1)!.timestampSeconds).toBeGreaterThan(60);
    const meta = await sharp(frames[0]!.path).metadata();
    expect([meta.width, meta.height]).toEqual([768, 576]);
    // People walk through the scene: first and last frames differ.
    expect(sha256(frames[0]!.path)).not.toBe(sha256(frames.at(-1)!.path));
  });

  it('enforces the pixel limit', async () => {
    const e = await failure(extractFrames(clip, frameOptions('limit', { maxPixels: 10_000 })));
    expect(e.kind).toBe('too-large');
    expect(e.message).toBe('video of 160×120 pixels exceeds the limit of 10000 pixels');
  });

  it('says how to fix a missing ffmpeg', async () => {
    const e = await failure(
      extractFrames(clip, frameOptions('no-ffmpeg', { ffmpegPath: join(tmp, 'bin/ffmpeg'), ffprobePath: 'ffprobe' })),
    );
    expect(e.kind).toBe('tool-missing');
    expect(e.message).toMatch(/^ffmpeg not found: install it \(apt-get install ffmpeg\)/);
  });

  it('gives up on a video that takes longer than its timeout', async () => {
    const e = await failure(extractFrames(join(await videosDir(), 'vtest.avi'), frameOptions('slow-decode', { fps: 10, timeoutMs: 50 })));
    expect(e.kind).toBe('timeout');
    expect(e.message).toBe('ffmpeg did not finish within 0.05 s');
  });
});
