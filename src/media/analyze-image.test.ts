import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photosDir } from '../../test/helpers/test-media.ts';
import { analyzeImageFile, copyDescriptorOf, embeddingInputsOfFile, type ImageAnalysis, type ImageAnalysisOptions } from './analyze-image.ts';
import { descriptorCosine, packDescriptors, wholeOffset } from '../domain/similarity/copy-descriptor.ts';
import { hammingDistance } from './image-metrics.ts';
import { MediaError } from './media-error.ts';

const fixtures = join(import.meta.dirname, '../../test/fixtures/media');
const fixture = (name: string) => join(fixtures, name);
const opts: ImageAnalysisOptions = { maxPixels: 100_000_000, thumbnailSize: 256 };

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'strata-analyze-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function failure(path: string, options: ImageAnalysisOptions = opts): Promise<MediaError> {
  const error = await analyzeImageFile(path, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('analyzeImageFile on fixtures', () => {
  it('analyses a JPEG: size, hashes, EXIF, quality and a WebP thumbnail', async () => {
    const a = await analyzeImageFile(fixture('scene.jpg'), opts);
    expect(a.format).toBe('jpeg');
    expect([a.width, a.height]).toEqual([128, 96]);
    expect(a.byteHash).toBe(sha256(fixture('scene.jpg')));
    expect(a.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.exif).toEqual({
      make: 'Strata',
      model: 'Fixture Cam 1',
      lens: 'Fixture 35mm',
      taken_at: '2021-06-15T14:30:05+02:00',
      exposure: 0.004,
      f_number: 2.8,
      iso: 200,
      focal_length: 35,
      gps_lat: -33.8587,
      gps_lon: 151.208333,
    });
    // A clean, well-exposed picture: none of the problem scores fire.
    expect(a.quality.blur).toBeLessThan(0.2);
    expect(a.quality.dark).toBe(0);
    expect(a.quality.bright).toBe(0);
    expect(a.quality.brightnessMean).toBeGreaterThan(90);
    expect(a.quality.brightnessMean).toBeLessThan(140);

    // Never enlarged beyond the original.
    expect(a.thumbnail).toMatchObject({ format: 'jpeg', width: 128, height: 96 });
    const thumb = await sharp(a.thumbnail.data).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['jpeg', 128, 96]);
  });

  it('bounds the thumbnail by its longest side', async () => {
    const a = await analyzeImageFile(fixture('scene.jpg'), { ...opts, thumbnailSize: 64 });
    expect([a.thumbnail.width, a.thumbnail.height]).toEqual([64, 48]);
    const thumb = await sharp(a.thumbnail.data).metadata();
    expect([thumb.width, thumb.height]).toEqual([64, 48]);
  });

  it('reads every supported format, including BMP, JPEG 2000 and HEIC through system tools', async () => {
    const reference = await analyzeImageFile(fixture('scene.png'), opts);
    const cases: Array<[string, string]> = [
      ['scene.png', 'png'],
      ['scene.jpg', 'jpeg'],
      ['scene-cmyk.jpg', 'jpeg'],
      ['scene.webp', 'webp'],
      ['scene.gif', 'gif'],
      ['scene.tiff', 'tiff'],
      ['scene.bmp', 'bmp'],
      ['scene.jp2', 'jp2'],
      ['scene.avif', 'heif'],
      ['scene.heic', 'heif'],
      ['gray16.png', 'png'],
    ];
    for (const [name, format] of cases) {
      const a = await analyzeImageFile(fixture(name), opts);
      expect(a.format, name).toBe(format);
      expect([a.width, a.height], name).toEqual([128, 96]);
      // The same picture, whatever the encoding: perceptually the same.
      expect(hammingDistance(a.phash, reference.phash), name).toBeLessThanOrEqual(6);
      // Sharp, but with few edges per tile, where the blur score sits near 0.25 (image-metrics.test.ts).
      expect(a.quality.blur, name).toBeLessThan(0.3);
    }
  });

  it('decodes by content when the extension lies', async () => {
    const a = await analyzeImageFile(fixture('png-content.jpg'), opts);
    const png = await analyzeImageFile(fixture('scene.png'), opts);
    expect(a.format).toBe('png');
    expect(a.byteHash).toBe(png.byteHash);
    expect(a.phash).toBe(png.phash);
  });

  it('applies the EXIF orientation to size, pixels and thumbnail', async () => {
    const a = await analyzeImageFile(fixture('orientation-6.jpg'), opts);
    expect(a.orientation).toBe(6);
    expect([a.width, a.height]).toEqual([48, 64]);
    // Stored red-over-blue; turned 90° clockwise the red half is on the right.
    const { data, info } = await sharp(a.thumbnail.data).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([48, 64]);
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels).subarray(0, 3)];
    const [lr, , lb] = pixel(8, 32);
    const [rr, , rb] = pixel(40, 32);
    expect(lb).toBeGreaterThan(200);
    expect(lr).toBeLessThan(60);
    expect(rr).toBeGreaterThan(200);
    expect(rb).toBeLessThan(60);
  });

  it('keeps transparency in the thumbnail and still sees content drawn in white', async () => {
    const a = await analyzeImageFile(fixture('transparent.png'), opts);
    const thumb = await sharp(a.thumbnail.data).metadata();
    // JPEG cannot keep transparency: such images get a WebP thumbnail.
    expect([a.thumbnail.format, thumb.format, thumb.hasAlpha]).toEqual(['webp', 'webp', true]);
    // A white ring on nothing: not an all-white picture, and its edges are sharp (a lone sharp
    // edge per tile scores about 0.25, well under the 0.5 of an issue).
    expect(a.quality.bright).toBe(0);
    expect(a.quality.brightFraction).toBeGreaterThan(0.1);
    expect(a.quality.brightFraction).toBeLessThan(0.4);
    expect(a.quality.blur).toBeLessThan(0.3);
  });

  it('lays transparency on white for the copy descriptor, so an icon and its JPEG copy agree', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><circle cx="120" cy="90" r="60" fill="#204080"/><rect x="180" y="40" width="60" height="120" fill="#c03020"/></svg>';
    const png = await sharp(Buffer.from(svg)).png().toBuffer();
    expect((await sharp(png).metadata()).hasAlpha).toBe(true);
    writeFileSync(join(tmp, 'icon.png'), png);
    writeFileSync(join(tmp, 'icon.jpg'), await sharp(png).flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer());
    const [icon, copy] = await Promise.all(['icon.png', 'icon.jpg'].map((n) => analyzeImageFile(join(tmp, n), opts)));
    expect(descriptorCosine(packDescriptors([icon!.copyDescriptor, copy!.copyDescriptor]), 0, 1)).toBeGreaterThan(0.99);
    expect(Math.abs(icon!.copyDescriptor[257]! - copy!.copyDescriptor[257]!)).toBeLessThanOrEqual(2); // the white backdrop
  });

  it('lays a drawing that vanishes on white on black for the copy descriptor, so white logos are not one blank page', async () => {
    const svg = (shape: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">${shape}</svg>`;
    const ring = svg('<circle cx="128" cy="128" r="70" fill="none" stroke="#ffffff" stroke-width="24"/>');
    const bars = svg('<rect x="40" y="60" width="176" height="30" fill="#ffffff"/><rect x="40" y="150" width="120" height="30" fill="#fafafa"/>');
    const files: Array<[string, Buffer]> = [
      ['ring.png', await sharp(Buffer.from(ring)).png().toBuffer()],
      ['ring-small.png', await sharp(Buffer.from(ring)).resize(128).png().toBuffer()],
      ['bars.png', await sharp(Buffer.from(bars)).png().toBuffer()],
      ['blank.png', await sharp({ create: { width: 256, height: 256, channels: 3, background: '#ffffff' } }).png().toBuffer()],
    ];
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    const [ring1, ring2, bars1, blank] = await Promise.all(files.map(([n]) => analyzeImageFile(join(tmp, n), opts)));
    const p = packDescriptors([ring1!.copyDescriptor, ring2!.copyDescriptor, bars1!.copyDescriptor, blank!.copyDescriptor]);
    expect(descriptorCosine(p, 0, 1)).toBeGreaterThan(0.9); // the same logo, smaller
    expect(descriptorCosine(p, 0, 2)).toBeLessThan(0.5); // another white logo
    expect(descriptorCosine(p, 0, 3)).toBeLessThan(0.5); // a blank white page
  });

  it('gives the same results whether a file is read whole or streamed', async () => {
    for (const name of ['scene.jpg', 'orientation-6.jpg', 'transparent.png', 'scene.webp', 'scene.bmp', 'scene.heic', 'scene-cmyk.jpg']) {
      const whole = await analyzeImageFile(fixture(name), opts);
      const streamed = await analyzeImageFile(fixture(name), { ...opts, inMemoryLimit: 0 });
      expect(streamed, name).toEqual(whole);
    }
    expect(await failure(fixture('truncated.jpg'), { ...opts, inMemoryLimit: 0 })).toMatchObject({ kind: 'corrupt' });
  });

  describe('embeddingInputsOfFile', () => {
    const embedOpts = { ...opts, embedInputSize: 160 };
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'strata-embed-inputs-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('gives the same embedder input and copy descriptor as the whole analysis', async () => {
      for (const name of ['scene.jpg', 'orientation-6.jpg', 'transparent.png', 'scene.heic']) {
        const whole = await analyzeImageFile(fixture(name), embedOpts);
        const only = await embeddingInputsOfFile(fixture(name), embedOpts);
        expect(only.embedInput.equals(whole.embedInput!), name).toBe(true);
        expect(only.copyDescriptor, name).toEqual(whole.copyDescriptor);
      }
    });

    it('crops a region of the upright image while decoding, as if the crop were its own file', async () => {
      for (const name of ['scene.jpg', 'orientation-6.jpg']) {
        const { width, height } = await analyzeImageFile(fixture(name), opts);
        const region = { left: Math.floor(width / 4), top: Math.floor(height / 5), width: Math.floor(width / 2), height: Math.floor(height / 2) };
        const cropFile = join(dir, `${name}.png`);
        await sharp(fixture(name)).rotate().extract(region).png().toFile(cropFile);
        const cropped = await embeddingInputsOfFile(fixture(name), { ...embedOpts, region: { unit: 'pixels', ...region } });
        const reference = await embeddingInputsOfFile(cropFile, embedOpts);
        expect(cropped.embedInput.equals(reference.embedInput), name).toBe(true);
        expect(cropped.copyDescriptor, name).toEqual(reference.copyDescriptor);
        const whole = await embeddingInputsOfFile(fixture(name), embedOpts);
        expect(cropped.embedInput.equals(whole.embedInput), name).toBe(false);
      }
    });

    it('reads a fractional region as fractions of the upright image, covering every pixel it touches', async () => {
      for (const name of ['scene.jpg', 'orientation-6.jpg']) {
        const { width, height } = await analyzeImageFile(fixture(name), opts);
        // Visual Layer's documented example box.
        const box = { unit: 'fractions', left: 0.1, top: 0.2, width: 0.5, height: 0.6 } as const;
        const pixels = { left: Math.floor(0.1 * width), top: Math.floor(0.2 * height), width: Math.ceil(0.6 * width - 1e-9) - Math.floor(0.1 * width), height: Math.ceil(0.8 * height - 1e-9) - Math.floor(0.2 * height) };
        const byFractions = await embeddingInputsOfFile(fixture(name), { ...embedOpts, region: box });
        const byPixels = await embeddingInputsOfFile(fixture(name), { ...embedOpts, region: { unit: 'pixels', ...pixels } });
        expect(byFractions.embedInput.equals(byPixels.embedInput), name).toBe(true);
        expect(pixels.width, name).toBeGreaterThan(width / 3);
      }
    });

    it('refuses a region outside the upright image, and files that are not images', async () => {
      const { width, height } = await analyzeImageFile(fixture('orientation-6.jpg'), opts);
      const outside = await embeddingInputsOfFile(fixture('orientation-6.jpg'), { ...embedOpts, region: { unit: 'pixels', left: 0, top: 0, width: width + 1, height } }).catch((e: unknown) => e);
      expect(outside).toBeInstanceOf(MediaError);
      expect((outside as MediaError).message).toBe(`bounding box 0,0,${width + 1}×${height} is outside the ${width}×${height} image`);
      expect(await embeddingInputsOfFile(fixture('empty.jpg'), embedOpts).catch((e: unknown) => (e as MediaError).kind)).toBe('empty');
    });
  });

  it('rejects an empty file', async () => {
    const e = await failure(fixture('empty.jpg'));
    expect(e.kind).toBe('empty');
    expect(e.message).toBe('empty file (0 bytes)');
  });

  it('rejects a file that is not an image', async () => {
    const e = await failure(fixture('not-an-image.jpg'));
    expect(e.kind).toBe('unsupported');
    expect(e.message).toBe('unsupported or unrecognised image format');
  });

  it('rejects a truncated JPEG (the whole image is decoded)', async () => {
    const e = await failure(fixture('truncated.jpg'));
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/^truncated or corrupt image data/);
  });

  it('rejects a truncated BMP decoded through ffmpeg', async () => {
    const path = join(tmp, 'truncated.bmp');
    const bmp = readFileSync(fixture('scene.bmp'));
    writeFileSync(path, bmp.subarray(0, bmp.length / 2));
    const e = await failure(path);
    expect(e.kind).toBe('corrupt');
    expect(e.message).toMatch(/^truncated or corrupt image data \(.+\)$/);
    expect(e.message).not.toContain(tmp);
  });

  it('fails cleanly on files cut short at any point, in every format', async () => {
    const names = ['jpg', 'png', 'webp', 'gif', 'tiff', 'bmp', 'jp2', 'avif', 'heic'].map((ext) => `scene.${ext}`);
    for (const name of names) {
      const bytes = readFileSync(fixture(name));
      for (const length of [1, 3, 12, 40, Math.floor(bytes.length / 2)]) {
        const path = join(tmp, `cut-${length}-${name}`);
        writeFileSync(path, bytes.subarray(0, length));
        // A reason for the user, never a crash or a library's raw exception.
        const e = await failure(path);
        expect(['unsupported', 'corrupt'], `${name} cut to ${length} bytes: ${e.message}`).toContain(e.kind);
      }
    }
  });

  it('rejects a PNG declaring 30000×30000 pixels without allocating it', async () => {
    const path = join(tmp, 'bomb.png');
    writeFileSync(path, pngBomb(30_000, 30_000));
    const rssBefore = process.memoryUsage().rss;
    const e = await failure(path);
    expect(e.kind).toBe('too-large');
    expect(e.message).toBe('image of 30000×30000 pixels exceeds the limit of 100000000 pixels');
    // Decoding it would take 2.7 GB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('rejects an oversized BMP before ffmpeg allocates it', async () => {
    const path = join(tmp, 'bomb.bmp');
    const bmp = Buffer.from(readFileSync(fixture('scene.bmp')));
    bmp.writeInt32LE(12_000, 18);
    bmp.writeInt32LE(12_000, 22);
    writeFileSync(path, bmp);
    const e = await failure(path);
    expect(e.kind).toBe('too-large');
    expect(e.message).toBe('image of 12000×12000 pixels exceeds the limit of 100000000 pixels');
  });

  it('enforces the configured pixel limit on ordinary images', async () => {
    const e = await failure(fixture('scene.jpg'), { ...opts, maxPixels: 10_000 });
    expect(e.kind).toBe('too-large');
    expect(e.message).toBe('image of 128×96 pixels exceeds the limit of 10000 pixels');
  });

  it('reports missing files and directories as unreadable', async () => {
    expect((await failure(join(tmp, 'missing.jpg'))).message).toBe('cannot read file: file not found');
    expect((await failure(tmp)).kind).toBe('unreadable');
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    const fifo = join(tmp, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    expect((await failure(fifo)).message).toBe('cannot read file: not a regular file');
  });

  it('says how to fix a missing ffmpeg', async () => {
    const e = await failure(fixture('scene.bmp'), { ...opts, ffmpegPath: join(tmp, 'no-ffmpeg') });
    expect(e.kind).toBe('tool-missing');
    expect(e.message).toMatch(/^ffmpeg not found: install it \(apt-get install ffmpeg\)/);
  });

  it('says how to fix a missing HEIC decoder', async () => {
    const e = await failure(fixture('scene.heic'), { ...opts, heifConvertPath: join(tmp, 'no-heif-convert') });
    expect(e.kind).toBe('tool-missing');
    expect(e.message).toMatch(/^heif-convert not found: install it \(apt-get install libheif-examples\)/);
  });

  it('serialises errors without a stack trace', async () => {
    const e = await failure(fixture('not-an-image.jpg'));
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      kind: 'unsupported',
      reason: 'unsupported or unrecognised image format',
    });
  });
});

describe('copyDescriptorOf', () => {
  /** The descriptor of a gray picture given as RGB pixels (r = g = b) and as gray levels. */
  const descriptorOf = (width: number, height: number, value: (x: number, y: number) => number) => {
    const data = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.max(0, Math.min(255, Math.round(value(x, y))));
    const rgb = Buffer.alloc(3 * data.length);
    data.forEach((v, k) => rgb.fill(v, 3 * k, 3 * k + 3));
    return copyDescriptorOf({ data: rgb, width, height, channels: 3 }, { data, width, height });
  };
  const scene = (x: number, y: number) => 120 + 60 * Math.sin(x / 23) * Math.cos(y / 17) + 40 * Math.sin((x + 2 * y) / 41);
  const correlation = (a: Uint8Array, b: Uint8Array) => descriptorCosine(packDescriptors([a, b]), 0, 1);

  it('is 16 × 16 levels stretched over the full 8 bits, the darkest and brightest level, 32 × 32 stretched, the mean colour, then the whole at 32 × 32', () => {
    const d = descriptorOf(400, 300, scene);
    expect(d).toHaveLength(258 + 32 * 32 + 3 + 32 * 32);
    for (const grid of [d.subarray(258, 258 + 32 * 32), d.subarray(258 + 32 * 32 + 3)]) {
      expect(Math.min(...grid)).toBe(0);
      expect(Math.max(...grid)).toBe(255);
    }
    const pattern = d.subarray(0, 256);
    expect(Math.min(...pattern)).toBe(0);
    expect(Math.max(...pattern)).toBe(255);
    expect(d[256]).toBeGreaterThan(20);
    expect(d[257]).toBeLessThan(230);
    expect(d[257]! - d[256]!).toBeGreaterThan(100);
  });

  it('is a zero pattern and the level for a flat image', () => {
    expect([...descriptorOf(64, 48, () => 77)]).toEqual([...new Array(256).fill(0), 77, 77, ...new Array(1024).fill(0), 77, 77, 77, ...new Array(1024).fill(0)]);
  });

  it('tells two near-uniform images apart by their levels, not their stretched noise', () => {
    const soft = (base: number) => descriptorOf(400, 300, (x) => base + x / 80);
    expect(correlation(soft(200), soft(200))).toBe(1);
    expect(correlation(soft(200), soft(120))).toBe(-1);
  });

  it('ignores brightness, contrast and scale, and tells different layouts apart', () => {
    const d = descriptorOf(400, 300, scene);
    expect(correlation(d, descriptorOf(400, 300, (x, y) => 30 + 0.6 * scene(x, y)))).toBeGreaterThan(0.99);
    expect(correlation(d, descriptorOf(200, 150, (x, y) => scene(2 * x + 0.5, 2 * y + 0.5)))).toBeGreaterThan(0.98);
    expect(correlation(d, descriptorOf(400, 300, (x, y) => scene(y, x)))).toBeLessThan(0.5);
  });

  it('calls a picture that differs in one region a look-alike, not a copy', () => {
    const d = descriptorOf(400, 300, scene);
    const patched = descriptorOf(400, 300, (x, y) => (Math.abs(x - 200) < 40 && Math.abs(y - 170) < 15 ? 10 : scene(x, y)));
    expect(d.subarray(0, 256)).not.toEqual(patched.subarray(0, 256));
    expect(correlation(d, patched)).toBe(0);
  });

  it('leaves out the border but for the whole-picture grid, where captions and crops change a copy', () => {
    const d = descriptorOf(400, 300, scene);
    const captioned = descriptorOf(400, 300, (x, y) => (y >= 270 ? 255 : scene(x, y)));
    expect([...captioned.subarray(0, wholeOffset)]).toEqual([...d.subarray(0, wholeOffset)]);
    expect([...captioned.subarray(wholeOffset)]).not.toEqual([...d.subarray(wholeOffset)]);
    expect(correlation(d, captioned)).toBeCloseTo(1, 6);
  });
});

/** A valid PNG header and a few rows of a width×height RGB image: tiny file, huge image. */
function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const idat = deflateSync(Buffer.alloc((1 + width * 3) * 4));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('analyzeImageFile on real photos', () => {
  // Diverse subjects from the Debian-packaged test photos (see scripts/fetch-test-media.sh).
  const samples = [
    'darknet-dog.jpg',
    'darknet-horses.jpg',
    'darknet-eagle.jpg',
    'skimage-astronaut.png',
    'skimage-coffee.png',
    'opencv-baboon.jpg',
    'opencv-fruits.jpg',
    'mate-nature-Storm.jpg',
  ];
  let dir: string;
  const originals = new Map<string, ImageAnalysis>();

  beforeAll(async () => {
    dir = await photosDir();
    for (const name of samples) originals.set(name, await analyzeImageFile(join(dir, name), opts));
  }, 600_000);

  /** Writes a variant of a sample photo made by `edit` and analyses it. */
  async function variant(name: string, suffix: string, edit: (image: sharp.Sharp) => sharp.Sharp) {
    const path = join(tmp, `${suffix}-${name.replace(/\.\w+$/, '.jpg')}`);
    await edit(sharp(join(dir, name))).jpeg({ quality: 90 }).toFile(path);
    return analyzeImageFile(path, opts);
  }

  it('gives resized, re-encoded copies nearly the same perceptual hash', async () => {
    for (const name of samples) {
      const original = originals.get(name)!;
      const copy = await variant(name, 'small', (image) =>
        image.resize(Math.round(original.width * 0.6)).jpeg({ quality: 70 }),
      );
      expect(hammingDistance(copy.phash, original.phash), name).toBeLessThanOrEqual(6);
      expect(copy.byteHash).not.toBe(original.byteHash);
    }
  });

  it('gives different photos clearly different perceptual hashes', () => {
    for (const [i, a] of samples.entries()) {
      for (const b of samples.slice(i + 1)) {
        const distance = hammingDistance(originals.get(a)!.phash, originals.get(b)!.phash);
        expect(distance, `${a} vs ${b}`).toBeGreaterThan(20);
      }
    }
  });

  it('recognises the same wallpaper shipped at three resolutions as near-duplicates', async () => {
    const names = ['mate-abstract-Elephants.jpg', 'mate-abstract-Elephants_3840x2160.jpg', 'mate-abstract-Elephants_5640x3172.jpg'];
    const [small, medium, large] = await Promise.all(names.map((n) => analyzeImageFile(join(dir, n), opts)));
    expect(hammingDistance(small!.phash, medium!.phash)).toBeLessThanOrEqual(6);
    expect(hammingDistance(small!.phash, large!.phash)).toBeLessThanOrEqual(6);
    // Sharpness is measured at one scale, so the three score alike despite 16× more pixels.
    expect(Math.abs(small!.quality.blur - large!.quality.blur)).toBeLessThan(0.1);
  });

  it('scores a blurred copy as blurrier', async () => {
    for (const name of samples) {
      const original = originals.get(name)!;
      const blurred = await variant(name, 'blur', (image) => image.blur(4));
      expect(blurred.quality.blurVariance, name).toBeLessThan(original.quality.blurVariance / 2);
      expect(blurred.quality.blur, name).toBeGreaterThan(original.quality.blur);
      expect(blurred.quality.blur, name).toBeGreaterThan(0.5);
    }
  });

  it('scores a darkened copy as darker and a washed-out copy as brighter', async () => {
    for (const name of samples) {
      const original = originals.get(name)!;
      const dark = await variant(name, 'dark', (image) => image.linear(0.15, 0));
      expect(dark.quality.brightnessMean, name).toBeLessThan(original.quality.brightnessMean);
      expect(dark.quality.dark, name).toBeGreaterThan(original.quality.dark);
      expect(dark.quality.dark, name).toBeGreaterThan(0.8);
      const bright = await variant(name, 'bright', (image) => image.linear(0.15, 220));
      expect(bright.quality.bright, name).toBeGreaterThan(original.quality.bright);
      expect(bright.quality.bright, name).toBeGreaterThan(0.8);
    }
  });

  it('analyses every photo of the set (speed: bench/image-cost.ts)', async () => {
    const names = readdirSync(dir).sort();
    expect(names.length).toBeGreaterThanOrEqual(60);
    for (const name of names) {
      const a = await analyzeImageFile(join(dir, name), opts);
      expect(Math.max(a.thumbnail.width, a.thumbnail.height), name).toBeLessThanOrEqual(256);
      expect(a.width * a.height, name).toBeGreaterThan(0);
    }
  }, 600_000);

  it('copes with a photo copied under a misleading name', async () => {
    const path = join(tmp, 'really-a-png.bmp');
    copyFileSync(join(dir, 'skimage-coffee.png'), path);
    const a = await analyzeImageFile(path, opts);
    expect(a.format).toBe('png');
    expect(a.phash).toBe(originals.get('skimage-coffee.png')!.phash);
  });
});
