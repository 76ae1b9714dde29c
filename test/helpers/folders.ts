import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';

export const fixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/media');

/** Valid images among the fixtures, one per format. */
export const validFixtures = ['scene.jpg', 'scene.png', 'scene.gif', 'scene.webp', 'scene.tiff', 'scene.bmp', 'orientation-6.jpg', 'transparent.png'];

export async function tempDir(prefix = 'strata-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A PNG whose header declares width × height pixels but carries no pixel data (a decompression bomb's header). */
export function bombPng(width = 30_000, height = 30_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // RGB
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(0)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A folder of the valid fixture images plus the bad inputs SPEC §12 names: a truncated JPEG,
 * a zero-byte file, a text file named .jpg, and a PNG declaring 30000×30000 pixels.
 */
export async function mixedFolder(root: string, name = 'mixed'): Promise<{ dir: string; valid: number; broken: string[] }> {
  const dir = join(root, name);
  await mkdir(join(dir, 'sub'), { recursive: true });
  for (const f of validFixtures) await copyFile(join(fixturesDir, f), join(dir, f));
  await copyFile(join(fixturesDir, 'scene.jpg'), join(dir, 'sub', 'copy.jpg'));
  await copyFile(join(fixturesDir, 'truncated.jpg'), join(dir, 'truncated.jpg'));
  await copyFile(join(fixturesDir, 'empty.jpg'), join(dir, 'empty.jpg'));
  await copyFile(join(fixturesDir, 'not-an-image.jpg'), join(dir, 'not-an-image.jpg'));
  await writeFile(join(dir, 'bomb.png'), bombPng());
  await writeFile(join(dir, 'notes.txt'), 'not media, not counted');
  return { dir, valid: validFixtures.length + 1, broken: ['bomb.png', 'empty.jpg', 'not-an-image.jpg', 'truncated.jpg'] };
}
