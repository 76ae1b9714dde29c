import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jpegHasEnd } from './jpeg-end.ts';

const photo = readFileSync(join(import.meta.dirname, '../../test/fixtures/media/scene.jpg'));
const scan = photo.indexOf(Buffer.from([0xff, 0xda]));
/** The photo's header and the start of its scan, then filler: what a damaged copy looks like. */
const headerThen = (filler: Buffer) => Buffer.concat([photo.subarray(0, scan + 40), filler]);

const tmp = mkdtempSync(join(tmpdir(), 'strata-jpeg-end-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The answer for the bytes in memory, checked to be the same when read from a file. */
async function hasEnd(bytes: Buffer): Promise<boolean> {
  const path = join(tmp, 'image.jpg');
  writeFileSync(path, bytes);
  const fromMemory = await jpegHasEnd(bytes);
  expect(await jpegHasEnd(path)).toBe(fromMemory);
  return fromMemory;
}

describe('jpegHasEnd', () => {
  it('finds the end of a photo, and allows bytes after it', async () => {
    expect(await hasEnd(photo)).toBe(true);
    expect(await hasEnd(Buffer.concat([photo, Buffer.alloc(4096)]))).toBe(true);
  });

  it('finds no end in a header followed by zeros, nor in a photo cut short', async () => {
    expect(await hasEnd(headerThen(Buffer.alloc(3 << 20)))).toBe(false);
    expect(await hasEnd(photo.subarray(0, photo.length - 2))).toBe(false);
  });

  it('does not take an end marker inside a segment before the scan (an EXIF thumbnail) for the end', async () => {
    const thumbnail = Buffer.from([0xff, 0xe1, 0x00, 0x06, 0xff, 0xd9, 0xff, 0xd9]);
    const withThumbnail = Buffer.concat([photo.subarray(0, 2), thumbnail, headerThen(Buffer.alloc(1000)).subarray(2)]);
    expect(await hasEnd(withThumbnail)).toBe(false);
  });

  it('finds an end marker split across two reads of a file', async () => {
    const filler = Buffer.alloc((1 << 20) + 10);
    // Reads start at the scan: the marker's first byte ends the first 1 MiB read.
    filler[(1 << 20) - 41] = 0xff;
    filler[(1 << 20) - 40] = 0xd9;
    expect(await hasEnd(headerThen(filler))).toBe(true);
  });

  it('leaves headers it cannot walk to the decoder', async () => {
    expect(await hasEnd(Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x00]))).toBe(true);
  });
});
