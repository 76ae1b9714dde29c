/**
 * Area-average resampling of interleaved 8-bit pixels, in plain JS: every output pixel is the
 * mean of the part of the input it covers, partly covered input pixels counting by the share
 * covered. For the small derived images of the per-image analysis (the 32 × 32 hash input, the
 * 16 × 16 copy descriptor) this is the right filter — no ringing, every input pixel counts —
 * and it costs a fraction of a millisecond, where a sharp pipeline costs 1.5–5 ms of fixed
 * overhead each. Enlarging (a tiny image) works too: each output pixel then takes the one or
 * two input pixels under it.
 */

import type { Region } from '../ports/media-processor.ts';

/**
 * `src` is width × height × channels; `region` (default: all of it) is resampled to
 * outWidth × outHeight × channels floats, in the input's value range.
 */
export function areaResize(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  region: Region = { left: 0, top: 0, width, height },
): Float32Array {
  const { left, top } = region;
  if (left < 0 || top < 0 || region.width < 1 || region.height < 1 || left + region.width > width || top + region.height > height) {
    throw new RangeError(`region ${left},${top} ${region.width}×${region.height} is not inside the ${width}×${height} image`);
  }
  if (src.length < width * height * channels) throw new RangeError('pixel buffer shorter than width × height × channels');
  const xs = coverage(region.width, outWidth);
  const ys = coverage(region.height, outHeight);

  // Horizontal pass over the region's rows, then vertical: each pass reads every input once.
  const rows = new Float32Array(region.height * outWidth * channels);
  const { first, taps, maxTaps, weights } = xs;
  for (let y = 0, o = 0; y < region.height; y++) {
    const rowStart = ((top + y) * width + left) * channels;
    for (let ox = 0; ox < outWidth; ox++) {
      const n = taps[ox]!;
      const w0 = ox * maxTaps;
      const p = rowStart + first[ox]! * channels;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0, q = p + c; k < n; k++, q += channels) sum += weights[w0 + k]! * src[q]!;
        rows[o + c] = sum;
      }
      o += channels;
    }
  }
  const out = new Float32Array(outWidth * outHeight * channels);
  const stride = outWidth * channels;
  for (let oy = 0; oy < outHeight; oy++) {
    const outStart = oy * stride;
    for (let k = 0; k < ys.taps[oy]!; k++) {
      const w = ys.weights[oy * ys.maxTaps + k]!;
      const rowStart = (ys.first[oy]! + k) * stride;
      for (let i = 0; i < stride; i++) out[outStart + i]! += w * rows[rowStart + i]!;
    }
  }
  return out;
}

/**
 * For each of `outSize` output pixels along an axis of `inSize` inputs: the first input it
 * covers, how many (`taps`), and the share of the output each makes up (they sum to 1), in
 * flat arrays of `maxTaps` slots per output.
 */
interface Coverage {
  first: Int32Array;
  taps: Int32Array;
  maxTaps: number;
  weights: Float32Array;
}

function coverage(inSize: number, outSize: number): Coverage {
  const scale = inSize / outSize;
  const maxTaps = Math.ceil(scale) + 1;
  const first = new Int32Array(outSize);
  const taps = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let o = 0; o < outSize; o++) {
    const start = o * scale;
    const end = Math.min(inSize, (o + 1) * scale);
    first[o] = Math.floor(start);
    taps[o] = Math.min(inSize - 1, Math.ceil(end) - 1) - first[o]! + 1;
    for (let k = 0; k < taps[o]!; k++) {
      const i = first[o]! + k;
      weights[o * maxTaps + k] = (Math.min(end, i + 1) - Math.max(start, i)) / (end - start);
    }
  }
  return { first, taps, maxTaps, weights };
}

/** Rounded and clamped to 0–255. */
export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(values[i]!)));
  return out;
}
