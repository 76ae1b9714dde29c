import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { BoundingBox, Region } from '../ports/media-processor.ts';
import { jpegHasEnd } from './jpeg-end.ts';
import { MediaError, toolDetail, unreadable } from './media-error.ts';
import { ffmpegInputArgs, runTool } from './run-tool.ts';

// Each file is decoded once and never again, so libvips' operation cache only costs memory
// and, worse, can serve stale pixels when a file is replaced in place between two scans.
sharp.cache(false);

export interface DecodeOptions {
  maxPixels: number;
  /** Longest side of the returned pixels at most; smaller images keep their size. */
  workingSize: number;
  ffmpegPath?: string;
  heifConvertPath?: string;
  /** For each external decoder run (ffmpeg, heif-convert). */
  toolTimeoutMs?: number;
  /** The file's bytes, when the caller has read them: decoded from memory instead of the path. */
  contents?: Buffer;
  /** Decode only this rectangle of the upright image (a search's bounding box). */
  region?: BoundingBox;
}

export interface DecodedImage {
  format: string;
  /** Displayed size: after applying the EXIF orientation. */
  width: number;
  height: number;
  orientation: number | null;
  exif: Buffer | undefined;
  /** 8-bit sRGB, upright, at most workingSize; 4 channels (RGBA) when the image has alpha. */
  pixels: { data: Buffer; width: number; height: number; channels: 3 | 4 };
}

/** Content families we recognise from magic bytes, whatever the file's extension says. */
type Family = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'heif' | 'bmp' | 'jp2';

/** Families the prebuilt libvips inside sharp cannot read: decoded by the system ffmpeg. */
const ffmpegDemuxers: Partial<Record<Family, string>> = { bmp: 'bmp_pipe', jp2: 'j2k_pipe' };

const defaultToolTimeoutMs = 60_000;

/**
 * Decodes the whole image once into a small upright RGB buffer, from which thumbnail, hash
 * and quality are all derived. The header is checked against the pixel limit before any
 * pixel is decoded, so decompression bombs cost a header read; libvips' own limit stays on
 * as a second line. JPEGs shrink on load, but every scan is still read, so truncation fails.
 */
export async function decodeImage(path: string, opts: DecodeOptions): Promise<DecodedImage> {
  const family = sniffFamily(opts.contents ? head(opts.contents) : await readHead(path));
  if (family === null) throw new MediaError('unsupported', 'unsupported or unrecognised image format');
  if (family === 'jpeg') await assertJpegEnds(opts.contents ?? path);
  const demuxer = ffmpegDemuxers[family];
  let input: string | Buffer = demuxer ? await decodeWithFfmpeg(path, demuxer, opts) : (opts.contents ?? path);

  const meta = await readMetadata(input, path);
  const storedWidth = meta.width ?? 0;
  // Only the first page/frame of a multi-page TIFF or animated GIF is read, and measured.
  const storedHeight = meta.height ?? 0;
  if (storedWidth * storedHeight > opts.maxPixels) {
    throw new MediaError(
      'too-large',
      `image of ${storedWidth}×${storedHeight} pixels exceeds the limit of ${opts.maxPixels} pixels`,
    );
  }
  // libheif turns HEIC images upright itself (irot/imir boxes; their EXIF orientation is only
  // informative), so the decoded copy is used as it is, size included.
  const hevc = meta.format === 'heif' && meta.compression === 'hevc';
  if (hevc) input = await decodeWithHeifConvert(path, opts);
  const displayed = hevc ? await readMetadata(input, path) : meta.autoOrient;

  const decoder = sharp(input, { failOn: 'error', limitInputPixels: opts.maxPixels });
  if (!hevc) decoder.rotate();
  if (opts.region) decoder.extract(insideImage(opts.region, displayed.width ?? 0, displayed.height ?? 0));
  const { data, info } = await decoder
    .resize(opts.workingSize, opts.workingSize, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw sharpFailure(error, path);
    });
  const channels = info.channels;
  if (channels !== 3 && channels !== 4) {
    throw new MediaError('unsupported', `unsupported pixel layout (${channels} channels)`);
  }
  return {
    format: demuxer ? family : (meta.format ?? family),
    width: displayed.width ?? 0,
    height: displayed.height ?? 0,
    orientation: meta.orientation ?? null,
    exif: meta.exif,
    pixels: { data, width: info.width, height: info.height, channels },
  };
}

/**
 * The box in whole pixels of a width × height image; a fractional one covers every pixel it
 * touches (the epsilon keeps 0.6 × 640 = 384.00000000000006 from reaching pixel 385).
 */
export function insideImage(box: BoundingBox, width: number, height: number): Region {
  if (box.unit === 'fractions') {
    const floor = (x: number) => Math.floor(x + 1e-9);
    const ceil = (x: number) => Math.ceil(x - 1e-9);
    const left = Math.min(width - 1, floor(box.left * width));
    const top = Math.min(height - 1, floor(box.top * height));
    const right = Math.min(width, Math.max(left + 1, ceil((box.left + box.width) * width)));
    const bottom = Math.min(height, Math.max(top + 1, ceil((box.top + box.height) * height)));
    return { left, top, width: right - left, height: bottom - top };
  }
  if (box.left + box.width > width || box.top + box.height > height) {
    throw new MediaError('unsupported', `bounding box ${box.left},${box.top},${box.width}×${box.height} is outside the ${width}×${height} image`);
  }
  return { left: box.left, top: box.top, width: box.width, height: box.height };
}

const headLength = 32;

function head(contents: Buffer): Buffer {
  if (contents.length === 0) throw new MediaError('empty', 'empty file (0 bytes)');
  return contents.subarray(0, headLength);
}

async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw unreadable(error);
  });
  try {
    const buffer = Buffer.alloc(headLength);
    const { bytesRead } = await file.read(buffer, 0, headLength, 0).catch((error: NodeJS.ErrnoException) => {
      throw unreadable(error);
    });
    return head(buffer.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

function sniffFamily(head: Buffer): Family | null {
  const ascii = (start: number, end: number) => head.toString('latin1', start, end);
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].includes(ascii(0, 4))) return 'tiff';
  if (ascii(4, 8) === 'ftyp' && /^(heic|heix|hevc|hevx|heim|heis|mif1|msf1|avif|avis)$/.test(ascii(8, 12))) {
    return 'heif';
  }
  if (ascii(0, 2) === 'BM' && head.length >= 26) return 'bmp';
  if (ascii(0, 12) === '\0\0\0\x0cjP  \r\n\x87\n') return 'jp2';
  if (ascii(0, 4) === '\xffO\xffQ') return 'jp2'; // a bare JPEG 2000 codestream (.j2k)
  return null;
}

/** A JPEG header followed by filler decodes as a flat image without a warning: see jpegHasEnd. */
async function assertJpegEnds(source: string | Buffer): Promise<void> {
  const ended = await jpegHasEnd(source).catch((error: NodeJS.ErrnoException) => {
    throw unreadable(error);
  });
  if (!ended) throw new MediaError('corrupt', 'truncated or corrupt image data (no end-of-image marker after the image data)');
}

function readMetadata(input: string | Buffer, path: string): Promise<sharp.Metadata> {
  // The header alone: the pixel limit is checked by the caller, with the size in its message.
  return sharp(input, { limitInputPixels: false })
    .metadata()
    .catch((error: unknown) => {
      throw sharpFailure(error, path);
    });
}

/** libvips reports failures as free text; these are the shapes seen for per-file problems. */
function sharpFailure(error: unknown, path: string): MediaError {
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) {
    return new MediaError('too-large', 'image exceeds the pixel limit');
  }
  if (/unsupported image format/i.test(message)) {
    return new MediaError('unsupported', 'unsupported or unrecognised image format');
  }
  if (/Input file is missing/i.test(message)) return new MediaError('unreadable', 'cannot read file: file not found');
  return new MediaError('corrupt', `truncated or corrupt image data (${toolDetail(message, path)})`);
}

/**
 * Decodes one frame with ffmpeg to PNG on stdout. The demuxer is forced from the sniffed
 * content (ffmpeg would otherwise trust the extension), and -max_pixels makes the decoder
 * itself refuse oversized frames before allocating them.
 */
async function decodeWithFfmpeg(path: string, demuxer: string, opts: DecodeOptions): Promise<Buffer> {
  const ffmpeg = opts.ffmpegPath ?? 'ffmpeg';
  const result = await runTool({
    tool: 'ffmpeg',
    command: ffmpeg,
    args: [
      '-v', 'error', '-nostdin', '-max_pixels', String(opts.maxPixels),
      '-f', demuxer, ...ffmpegInputArgs(path, [demuxer]),
      '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'png', '-compression_level', '1', '-',
    ],
    timeoutMs: opts.toolTimeoutMs ?? defaultToolTimeoutMs,
    // 16-bit RGBA at the pixel limit, stored uncompressed, plus headers: anything more is wrong.
    maxStdoutBytes: opts.maxPixels * 8 + (1 << 20),
  });
  const tooBig = /Picture size (\d+)x(\d+) exceeds specified max pixel count/.exec(result.stderr);
  if (tooBig) {
    throw new MediaError(
      'too-large',
      `image of ${tooBig[1]}×${tooBig[2]} pixels exceeds the limit of ${opts.maxPixels} pixels`,
    );
  }
  if (result.exitCode !== 0 || result.stdout.length === 0) {
    const detail = toolDetail(result.stderr, resolve(path)) || `ffmpeg exited with code ${result.exitCode}`;
    throw new MediaError('corrupt', `truncated or corrupt image data (${detail})`);
  }
  return result.stdout;
}

/**
 * HEIC (HEVC inside HEIF: iPhone photos) has no decoder in sharp's bundled libheif nor in
 * Debian 12's ffmpeg 5.1, so it goes through libheif's own heif-convert (Debian package
 * libheif-examples). The caller has already checked the header's size against the limit.
 * The intermediate is a quality-95 JPEG: writing a PNG costs seconds per 12 MP photo, and the
 * JPEG then shrinks on load. Only HEIC transparency, which cameras do not produce, is lost.
 */
async function decodeWithHeifConvert(path: string, opts: DecodeOptions): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-heic-'));
  try {
    const result = await runTool({
      tool: 'heif-convert',
      debianPackage: 'libheif-examples',
      command: opts.heifConvertPath ?? 'heif-convert',
      // An absolute input path can never be mistaken for an option.
      args: ['--quiet', '-q', '95', resolve(path), join(dir, 'image.jpg')],
      timeoutMs: opts.toolTimeoutMs ?? defaultToolTimeoutMs,
      maxStdoutBytes: 1 << 20,
    });
    // Files with several top-level images are written as image-1.jpg, image-2.jpg...
    const written = (await readdir(dir)).filter((name) => name.endsWith('.jpg')).sort();
    if (result.exitCode !== 0 || written.length === 0) {
      const detail = toolDetail(result.stderr, resolve(path)) || `heif-convert exited with code ${result.exitCode}`;
      throw new MediaError('corrupt', `truncated or corrupt image data (${detail})`);
    }
    return await readFile(join(dir, written[0]!));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
