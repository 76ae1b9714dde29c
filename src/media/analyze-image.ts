import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, openSync, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import { exifFields, type ExifFields } from './exif-fields.ts';
import type { BoundingBox } from '../ports/media-processor.ts';
import { decodeImage, type DecodedImage } from './image-decode.ts';
import { MediaError, unreadable } from './media-error.ts';
import { areaResize, toBytes } from './area-resize.ts';
import { colourOffset, descriptorLength, fineOffset, lowInformationSpread, patternLength, wholeOffset } from '../domain/similarity/copy-descriptor.ts';
import { centralFraction, fineSide } from '../domain/similarity/copy-verification.ts';
import { chromaOf, dctPhash, phashInputSize, qualityMetrics, toGray, type GrayImage, type QualityMetrics } from './image-metrics.ts';

export interface ImageAnalysisOptions {
  maxPixels: number;
  /** Longest side of the thumbnail, e.g. 256. Never larger than the image itself. */
  thumbnailSize: number;
  /** For the formats the bundled libvips cannot read (BMP, JPEG 2000). Default "ffmpeg". */
  ffmpegPath?: string;
  /** For HEIC (iPhone) photos; Debian package libheif-examples. Default "heif-convert". */
  heifConvertPath?: string;
  /** When set, also returns the image stretched to this square in RGB, for the embedder. */
  embedInputSize?: number;
  /** Files up to this many bytes are read whole (see inMemoryLimit); default 64 MiB. */
  inMemoryLimit?: number;
}

export interface ImageAnalysis {
  /** Detected from the content, not the extension: jpeg, png, webp, gif, tiff, heif (HEIC and AVIF), bmp, jp2. */
  format: string;
  /** Displayed size, after EXIF orientation. */
  width: number;
  height: number;
  orientation: number | null;
  exif: ExifFields | null;
  /** SHA-256 of the file bytes, hex: equal hashes are exact duplicates. */
  byteHash: string;
  /** 64-bit DCT perceptual hash, 16 hex digits: small Hamming distances are near-duplicates. */
  phash: string;
  quality: QualityMetrics;
  thumbnail: { data: Buffer; width: number; height: number; format: 'jpeg' | 'webp' };
  /** embedInputSize² RGB pixels (alpha flattened onto white), or null when not asked. */
  embedInput: Buffer | null;
  /** 16 × 16 gray levels of the central part, contrast-stretched, its darkest and brightest level, then the part at 32 × 32: the copy-detection signal (see copyDescriptorOf). */
  copyDescriptor: Uint8Array;
}

/**
 * Blur is measured on a grayscale copy scaled down to this longest side, so a sharp 24 MP
 * photo and a sharp 0.3 MP one score alike (the Laplacian's variance depends on scale); 512 px
 * keeps the detail that tells focus from blur at a few milliseconds. Decoding smaller would
 * save about a fifth of the per-image work, but the measure then misses blur users see
 * (bench/blur-size.ts: a blur of 0.4 % of the long side told from the originals with AUC 0.94
 * at 512 px, 0.84 at 256; 0.2 %: 0.80 against 0.64). Smaller images are
 * measured as they are: enlarging adds only interpolation blur, and would flag every image of
 * a dataset of small crops as blurry.
 */
const analysisSize = 512;
const thumbnailQuality = 80;
/**
 * Thumbnails are JPEG unless the image has transparency, which JPEG cannot keep: WebP then (at
 * libwebp's effort 2, 6 ms where the default 4 takes 10). A 256 px JPEG costs ~2.7 ms of CPU
 * where WebP costs ~5.8, for files about a quarter larger (9.7 vs 7.7 KB on the labelled set),
 * on the per-image path of every dataset. The JPEG's Huffman tables are the standard ones:
 * optimising them is a second pass over the image, 0.5 ms per thumbnail for 5 % smaller files.
 */
const webpEffort = 2;

/**
 * Everything the per-item pipeline stages need from one image file, from a single decode.
 * Per-file problems (empty, not an image, truncated, too many pixels, ...) throw MediaError
 * with a reason fit for users; anything else thrown is a bug or an infrastructure failure.
 */
export async function analyzeImageFile(path: string, opts: ImageAnalysisOptions): Promise<ImageAnalysis> {
  const contents = readWhole(path, opts.inMemoryLimit);
  const [decoded, byteHash] = await Promise.all([
    decodeFile(path, contents, opts),
    contents ? createHash('sha256').update(contents).digest('hex') : sha256File(path),
  ]);
  const { pixels } = decoded;
  const scale = Math.min(1, opts.thumbnailSize / Math.max(decoded.width, decoded.height));
  const raw = { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } };
  const thumbnailFormat = pixels.channels === 4 ? 'webp' : 'jpeg';
  const thumbnailSized = sharp(pixels.data, raw).resize(
    Math.max(1, Math.round(decoded.width * scale)),
    Math.max(1, Math.round(decoded.height * scale)),
    { fit: 'fill' },
  );
  // libvips makes the thumbnail and the embedder's input on its own threads while this one
  // measures the gray image.
  const resized = Promise.all([
    (thumbnailFormat === 'webp'
      ? thumbnailSized.webp({ quality: thumbnailQuality, effort: webpEffort })
      : thumbnailSized.jpeg({ quality: thumbnailQuality, optimiseCoding: false })
    ).toBuffer({ resolveWithObject: true }),
    opts.embedInputSize === undefined ? null : embedInputOf(pixels, opts.embedInputSize),
  ]);
  // The small derived images are area averages computed here: a sharp pipeline on raw pixels
  // costs 1.5–5 ms of fixed overhead each, these a fraction of a millisecond.
  const working = toGray(pixels.data, pixels.width, pixels.height, pixels.channels);
  const analysisGray = analysisGrayOf(working);
  const phash = dctPhash(areaResize(analysisGray.data, analysisGray.width, analysisGray.height, 1, phashInputSize, phashInputSize));
  const quality = qualityMetrics(analysisGray, chromaOf(pixels.data, pixels.channels));
  const copyDescriptor = copyDescriptorOf(pixels, working);
  const [thumbnail, embedInput] = await resized;
  return {
    format: decoded.format,
    width: decoded.width,
    height: decoded.height,
    orientation: decoded.orientation,
    exif: exifFields(decoded.exif),
    byteHash,
    phash,
    quality,
    thumbnail: {
      data: thumbnail.data,
      width: thumbnail.info.width,
      height: thumbnail.info.height,
      format: thumbnailFormat,
    },
    embedInput,
    copyDescriptor,
  };
}

/**
 * Only what an embedding needs — the embedder's input and the copy descriptor — for a search
 * anchor or a re-embedding after a model change: no hash, quality or thumbnail. With `region`,
 * only that rectangle of the upright image (a search's bounding box), cropped while decoding.
 */
export async function embeddingInputsOfFile(
  path: string,
  opts: ImageAnalysisOptions & { embedInputSize: number; region?: BoundingBox },
): Promise<{ embedInput: Buffer; copyDescriptor: Uint8Array }> {
  const { pixels } = await decodeFile(path, readWhole(path, opts.inMemoryLimit), opts);
  const embedInput = embedInputOf(pixels, opts.embedInputSize);
  const copyDescriptor = copyDescriptorOf(pixels, toGray(pixels.data, pixels.width, pixels.height, pixels.channels));
  return { embedInput: await embedInput, copyDescriptor };
}

/** The one decode both analyses start from: at the analysis size, or the thumbnail's when larger. */
function decodeFile(path: string, contents: Buffer | null, opts: ImageAnalysisOptions & { region?: BoundingBox }): Promise<DecodedImage> {
  return decodeImage(path, {
    maxPixels: opts.maxPixels,
    workingSize: Math.max(analysisSize, opts.thumbnailSize),
    ffmpegPath: opts.ffmpegPath,
    heifConvertPath: opts.heifConvertPath,
    ...(contents && { contents }),
    ...(opts.region && { region: opts.region }),
  });
}

/** The image stretched to size × size RGB (the models' `fit: 'fill'`), alpha flattened onto white. */
export function embedInputOf(pixels: DecodedImage['pixels'], size: number): Promise<Buffer> {
  return sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: pixels.channels } })
    .flatten({ background: '#ffffff' })
    .resize(size, size, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();
}

/**
 * The central 80 % of the image averaged down to 16 × 16 gray levels, contrast-stretched (then
 * the darkest and brightest of those levels, unstretched, then the same part at 32 × 32,
 * stretched): a copy keeps this pattern under resizing, re-encoding, format changes,
 * brightness and contrast changes and most overlays, where a CNN embedding — built to see what
 * is in a picture, not which picture it is — moves much more. Leaving out the border keeps a
 * caption bar, a rotated copy's corners or a few percent of crop from dominating it. Measured
 * on the labelled set (bench/neardup): combined with the embedding it finds far more copies at
 * the same precision than either alone, and the central window beat the whole image (recall
 * 0.94 vs 0.81 at precision ≥ 0.985). The 32 × 32 grid is for the local check that tells a
 * look-alike from a copy (domain/similarity/copy-verification.ts); the mean colour of the same
 * part (R, G, B, transparency on the backdrop below) tells apart near-uniform pictures whose
 * gray levels agree (papers of one maker in two tints); the whole picture at 32 × 32, last, lets the local check
 * compare the border where both pictures keep it (the same window with another side panel lit).
 * `working` is `pixels` in gray levels (toGray); transparent pixels are laid on a backdrop of
 * their own here instead.
 *
 * The backdrop is white, as the embedder sees transparency (embedInputOf) and as a JPEG copy
 * shows it — converters and editors flatten transparency onto white — so that an icon and its
 * JPEG copy have one layout. When the picture's central part on white is near-uniform but on
 * black it is not (a white logo or glyph made for dark backgrounds), it is laid on black: on
 * white every such drawing would be the same blank page, and a copy of it that shows nothing on
 * white could not be found anyway. (The quality measures lay transparency on mid grey instead:
 * see alphaBackdrop.)
 */
export function copyDescriptorOf(pixels: DecodedImage['pixels'], working: GrayImage): Uint8Array {
  if (pixels.channels !== 4) return descriptorOn(pixels, working, 255);
  const onWhite = descriptorOn(pixels, toGray(pixels.data, pixels.width, pixels.height, 4, 255), 255);
  if (spreadOf(onWhite) >= lowInformationSpread) return onWhite;
  const onBlack = descriptorOn(pixels, toGray(pixels.data, pixels.width, pixels.height, 4, 0), 0);
  return spreadOf(onBlack) >= lowInformationSpread ? onBlack : onWhite;
}

/** The darkest to the brightest block mean of a descriptor, in gray levels. */
const spreadOf = (d: Uint8Array) => d[patternLength + 1]! - d[patternLength]!;

/** The descriptor of `pixels` seen as `gray`, their transparent pixels laid on `backdrop`. */
function descriptorOn(pixels: DecodedImage['pixels'], gray: GrayImage, backdrop: number): Uint8Array {
  const region = centralPart(gray.width, gray.height);
  const fine = areaResize(gray.data, gray.width, gray.height, 1, fineSide, fineSide, region);
  const means = halve(fine);
  const out = new Uint8Array(descriptorLength);
  const [lo, hi] = stretchInto(means, out, 0);
  // The levels before stretching: a near-uniform picture is compared by them (copy-descriptor.ts).
  out[patternLength] = Math.round(lo);
  out[patternLength + 1] = Math.round(hi);
  stretchInto(fine, out, fineOffset);
  out.set(meanColour(pixels, region, backdrop), colourOffset);
  stretchInto(areaResize(gray.data, gray.width, gray.height, 1, fineSide, fineSide), out, wholeOffset);
  return out;
}

/** The central 80 % of a width × height picture. */
function centralPart(width: number, height: number): { left: number; top: number; width: number; height: number } {
  const w = Math.max(1, Math.round(width * centralFraction));
  const h = Math.max(1, Math.round(height * centralFraction));
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}

/** Mean R, G, B of a region, transparent pixels on white. */
function meanColour(pixels: DecodedImage['pixels'], region: ReturnType<typeof centralPart>, backdrop: number): number[] {
  const { data, width, channels } = pixels;
  const sum = [0, 0, 0];
  for (let y = region.top; y < region.top + region.height; y++) {
    for (let p = (y * width + region.left) * channels, end = p + region.width * channels; p < end; p += channels) {
      const a = channels === 4 ? data[p + 3]! / 255 : 1;
      for (let c = 0; c < 3; c++) sum[c]! += data[p + c]! * a + backdrop * (1 - a);
    }
  }
  return sum.map((s) => Math.round(s / (region.width * region.height)));
}

/** 2 × 2 means of the fine grid: the 16 × 16 area means of the same region. */
function halve(fine: Float32Array): Float32Array {
  const side = copyDescriptorSide;
  const out = new Float32Array(side * side);
  for (let y = 0; y < fineSide; y++) for (let x = 0; x < fineSide; x++) out[(y >> 1) * side + (x >> 1)]! += fine[y * fineSide + x]! / 4;
  return out;
}

/** Stretched over the full 8 bits, so that quantising loses as little of the pattern as it can; returns the range. */
function stretchInto(values: Float32Array, out: Uint8Array, offset: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const gain = hi > lo ? 255 / (hi - lo) : 0;
  values.forEach((v, k) => (out[offset + k] = Math.round((v - lo) * gain)));
  return [lo, hi];
}

export const copyDescriptorSide = 16;

/**
 * Files up to this size are read once, then hashed and decoded from memory: about 2 ms of CPU
 * less per photo than hashing a stream and letting libvips read the file in small pieces.
 * Larger files (a scanned poster, a 100 MP TIFF) are streamed, so memory stays bounded.
 */
const defaultInMemoryLimit = 64 * 1024 * 1024;

/**
 * Read synchronously: this runs in a media worker thread, whose own work it is, and the four
 * asynchronous steps (open, stat, read, close) each cost a round trip through libuv's pool —
 * 0.8 ms of CPU and ~18 context switches per image, where this costs 0.3 ms and none.
 */
function readWhole(path: string, limit = defaultInMemoryLimit): Buffer | null {
  let fd: number;
  try {
    // Non-blocking, as a FIFO swapped in since the listing would block this thread until written to.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(error as NodeJS.ErrnoException);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new MediaError('unreadable', 'cannot read file: not a regular file');
    if (info.size > limit) return null;
    return readFileSync(fd);
  } catch (error) {
    throw error instanceof MediaError ? error : unreadable(error as NodeJS.ErrnoException);
  } finally {
    closeSync(fd);
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash).catch((error: NodeJS.ErrnoException) => {
    throw unreadable(error);
  });
  return hash.digest('hex');
}

/** The gray image the quality measures and the perceptual hash look at (see analysisSize). */
export function analysisGrayOf(working: GrayImage): GrayImage {
  return fitWithin(working, analysisSize);
}

/** The gray image scaled down (area average) so that its longest side is at most `size`. */
function fitWithin(gray: GrayImage, size: number): GrayImage {
  const longest = Math.max(gray.width, gray.height);
  if (longest <= size) return gray;
  const width = Math.max(1, Math.round((gray.width * size) / longest));
  const height = Math.max(1, Math.round((gray.height * size) / longest));
  return { data: toBytes(areaResize(gray.data, gray.width, gray.height, 1, width, height)), width, height };
}
