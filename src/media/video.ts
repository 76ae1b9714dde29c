import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MediaError, toolDetail, unreadable } from './media-error.ts';
import { ffmpegInputArgs, runTool, selfContainedVideoDemuxers } from './run-tool.ts';

export interface VideoProbe {
  durationSeconds: number | null;
  /** Displayed size: swapped when the stream carries a 90° or 270° rotation (phone videos). */
  width: number;
  height: number;
  fps: number | null;
  /** ffprobe's names, e.g. codec "h264", format "mov,mp4,m4a,3gp,3g2,mj2". */
  codec: string;
  format: string;
}

export interface ProbeOptions {
  ffprobePath?: string;
  timeoutMs?: number;
}

export interface FrameExtractionOptions {
  outDir: string;
  /** Frames per second wanted; lowered when that would exceed maxFrames. */
  fps: number;
  maxFrames: number;
  maxPixels: number;
  ffmpegPath?: string;
  /** Default: "ffprobe" beside ffmpegPath when that is a path, else "ffprobe" on PATH. */
  ffprobePath?: string;
  /** Default: a minute plus the video's duration (decoding slower than real time is stuck). */
  timeoutMs?: number;
}

export interface ExtractedFrame {
  path: string;
  /** 0-based like the timestamp (frame 0 is at 0 s), matching the file name frame-000000.jpg. */
  index: number;
  timestampSeconds: number;
}

interface ProbedStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: Array<{ rotation?: number }>;
}

interface ProbeJson {
  streams?: ProbedStream[];
  format?: { format_name?: string; duration?: string };
}

const framePattern = /^frame-(\d{6})\.jpg$/;

export async function probeVideo(path: string, opts: ProbeOptions): Promise<VideoProbe> {
  return (await probe(path, opts)).video;
}

/**
 * Samples frames as JPEG files named frame-000000.jpg... in outDir. When `duration × fps`
 * would exceed maxFrames the rate is lowered so the frames still span the whole video
 * (a 2-hour film gives frames from its end too, not just its first minutes).
 */
export async function extractFrames(path: string, opts: FrameExtractionOptions): Promise<ExtractedFrame[]> {
  const ffmpeg = opts.ffmpegPath ?? 'ffmpeg';
  const { video, streamIndex, demuxer } = await probe(path, {
    ffprobePath: opts.ffprobePath ?? siblingTool(ffmpeg, 'ffprobe'),
  });
  if (video.width * video.height > opts.maxPixels) {
    throw new MediaError(
      'too-large',
      `video of ${video.width}×${video.height} pixels exceeds the limit of ${opts.maxPixels} pixels`,
    );
  }
  const duration = video.durationSeconds;
  // Without a known duration (some streamed or damaged files) maxFrames can only cut the end.
  const rate = duration !== null && duration * opts.fps > opts.maxFrames ? opts.maxFrames / duration : opts.fps;

  // A retried job must not pick up frames left by an earlier, interrupted attempt.
  await mkdir(opts.outDir, { recursive: true });
  for (const name of await readdir(opts.outDir)) {
    if (framePattern.test(name)) await rm(join(opts.outDir, name), { force: true });
  }

  const result = await runTool({
    tool: 'ffmpeg',
    command: ffmpeg,
    args: [
      '-v', 'error', '-nostdin', '-max_pixels', String(opts.maxPixels),
      // The demuxer the probe found, forced: a file swapped since then is not probed afresh.
      '-f', demuxer, ...ffmpegInputArgs(path, [demuxer]),
      '-map', `0:${streamIndex}`, '-an', '-sn', '-dn',
      // round=up: output frame n is the frame on screen at n / rate, so the timestamps below
      // are exact and a clip shorter than one interval still yields its first frame.
      '-vf', `fps=${rate}:round=up`, '-frames:v', String(opts.maxFrames),
      '-q:v', '2', '-start_number', '0', '-y',
      // Absolute, so never read as a protocol; "%" escaped, as this is an image2 pattern.
      join(resolve(opts.outDir).replaceAll('%', '%%'), 'frame-%06d.jpg'),
    ],
    timeoutMs: opts.timeoutMs ?? 60_000 + (duration ?? 3600) * 1000,
    maxStdoutBytes: 1 << 20,
  });
  if (result.exitCode !== 0) {
    // Frames are written under the data directory: a full disk there is not the video's fault.
    const full = /No space left on device|Disk quota exceeded/.exec(result.stderr);
    if (full) throw Object.assign(new Error(`ffmpeg could not write frames: ${full[0]}`), { code: full[0].startsWith('No') ? 'ENOSPC' : 'EDQUOT' });
    const detail = toolDetail(result.stderr, resolve(path)) || `ffmpeg exited with code ${result.exitCode}`;
    throw new MediaError('corrupt', `could not decode the video (${detail})`);
  }
  const frames = (await readdir(opts.outDir))
    .map((name) => framePattern.exec(name))
    .filter((match) => match !== null)
    .map((match) => {
      const index = Number(match[1]);
      return {
        path: join(opts.outDir, match[0]),
        index,
        timestampSeconds: Math.round((index / rate) * 1000) / 1000,
      };
    })
    .sort((a, b) => a.index - b.index);
  if (frames.length === 0) throw new MediaError('corrupt', 'no frame could be decoded from the video');
  return frames;
}

async function probe(path: string, opts: ProbeOptions): Promise<{ video: VideoProbe; streamIndex: number; demuxer: string }> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw unreadable(error);
  });
  if (!info.isFile()) throw new MediaError('unreadable', 'cannot read file: not a regular file');
  if (info.size === 0) throw new MediaError('empty', 'empty file (0 bytes)');

  const result = await runTool({
    tool: 'ffprobe',
    command: opts.ffprobePath ?? 'ffprobe',
    args: ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...ffmpegInputArgs(path, selfContainedVideoDemuxers)],
    timeoutMs: opts.timeoutMs ?? 30_000,
    maxStdoutBytes: 4 << 20,
  });
  if (/Format not on whitelist/.test(result.stderr)) {
    throw new MediaError('unsupported', 'not a readable video (a playlist, a list of other files, or no video container Strata reads)');
  }
  if (result.exitCode !== 0) {
    const detail = toolDetail(result.stderr, resolve(path)) || `ffprobe exited with code ${result.exitCode}`;
    throw new MediaError('unsupported', `not a readable video (${detail})`);
  }
  const json = JSON.parse(result.stdout.toString('utf8')) as ProbeJson;
  // Cover art in MP4/MKV shows up as a one-frame "video" stream: not the video.
  const stream = json.streams?.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (!stream) throw new MediaError('no-video-stream', 'no video stream found in the file');
  const storedWidth = stream.width ?? 0;
  const storedHeight = stream.height ?? 0;
  if (storedWidth <= 0 || storedHeight <= 0) {
    throw new MediaError('corrupt', 'the video stream has no frame size (damaged or incomplete file)');
  }
  const format = json.format?.format_name ?? 'unknown';
  // ffprobe names a demuxer by all its aliases ("matroska,webm"); the first is the one -f takes.
  const demuxer = format.split(',')[0]!;
  const quarterTurns = Math.round(rotationDegrees(stream) / 90);
  const swapsSides = Math.abs(quarterTurns) % 2 === 1;
  return {
    streamIndex: stream.index,
    demuxer,
    video: {
      durationSeconds: positiveNumber(json.format?.duration) ?? positiveNumber(stream.duration),
      width: swapsSides ? storedHeight : storedWidth,
      height: swapsSides ? storedWidth : storedHeight,
      fps: frameRate(stream.avg_frame_rate) ?? frameRate(stream.r_frame_rate),
      codec: stream.codec_name ?? 'unknown',
      format,
    },
  };
}

function rotationDegrees(stream: ProbedStream): number {
  const fromSideData = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const fromTag = Number(stream.tags?.rotate ?? 0);
  return fromSideData ?? (Number.isFinite(fromTag) ? fromTag : 0);
}

function positiveNumber(value: string | undefined): number | null {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : null;
}

/** ffprobe rates are fractions ("30000/1001"); "0/0" means unknown. */
function frameRate(value: string | undefined): number | null {
  if (!value) return null;
  const [num, den] = value.split('/').map(Number);
  if (!num || !den || !Number.isFinite(num / den)) return null;
  return num / den;
}

function siblingTool(ffmpegPath: string, tool: string): string {
  const slash = ffmpegPath.lastIndexOf('/');
  return slash < 0 ? tool : `${ffmpegPath.slice(0, slash + 1)}${tool}`;
}
