import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../domain/errors.ts';
import { archiveEntries, type ArchiveLimits } from './archive-entries.ts';

/**
 * Attacks on the archive reader, with archives built byte by byte (a zip writer would refuse to
 * write most of them): zip slip, absolute paths, links, devices, bombs, lying headers.
 */
interface ZipEntry {
  name: string;
  data: Buffer;
  /** Unix mode in the high half of the external attributes (0: none, as DOS archivers write). */
  mode?: number;
  deflate?: boolean;
  /** Uncompressed size to claim instead of the real one. */
  claimSize?: number;
}

function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = e.deflate ? deflateRawSync(e.data) : e.data;
    const size = e.claimSize ?? e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode counts
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(e.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

async function tarball(entries: Array<{ header: Partial<tar.Header> & { name: string }; data?: Buffer }>): Promise<Buffer> {
  const pack = tar.pack();
  const out = buffer(pack);
  for (const e of entries) pack.entry(e.header as tar.Header, e.data ?? Buffer.alloc(0));
  pack.finalize();
  return out;
}

const limits: ArchiveLimits = { maxEntries: 10, maxEntryBytes: 64 * 1024 ** 2, maxTotalBytes: 128 * 1024 ** 2 };
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(500, 7)]);
let dir: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-archive-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Reads every entry to the end; the paths and sizes, or the refusal. */
async function read(archive: Buffer, l = limits): Promise<Array<[string, number]>> {
  const file = join(dir, `a${++n}`);
  await writeFile(file, archive);
  const out: Array<[string, number]> = [];
  for await (const entry of archiveEntries(file, l)) out.push([entry.path, (await buffer(entry.stream)).length]);
  return out;
}

async function refused(archive: Buffer | Promise<Buffer>, pattern: RegExp, l = limits): Promise<void> {
  const err = await read(await archive, l).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe('BAD_REQUEST');
  expect((err as DomainError).message).toMatch(pattern);
}

describe('zip', () => {
  it('yields regular files, skipping directories', async () => {
    const entries = await read(zip([{ name: 'a/', data: Buffer.alloc(0), mode: 0o040755 }, { name: 'a/one.jpg', data: jpeg }, { name: 'two.jpg', data: jpeg, deflate: true, mode: 0 }]));
    expect(entries).toEqual([
      ['a/one.jpg', jpeg.length],
      ['two.jpg', jpeg.length],
    ]);
  });

  it('refuses zip slip and absolute paths', async () => {
    await refused(zip([{ name: '../../etc/cron.d/evil.jpg', data: jpeg }]), /climbs out|invalid relative path/);
    await refused(zip([{ name: 'ok/../../evil.jpg', data: jpeg }]), /climbs out|invalid relative path/);
    await refused(zip([{ name: '/etc/evil.jpg', data: jpeg }]), /absolute/);
    await refused(zip([{ name: 'C:/evil.jpg', data: jpeg }]), /absolute/);
    await refused(zip([{ name: '..\\evil.jpg', data: jpeg }]), /climbs out|invalid/);
  });

  it('refuses symbolic links and devices', async () => {
    await refused(zip([{ name: 'link.jpg', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]), /symbolic link/);
    await refused(zip([{ name: 'dev.jpg', data: Buffer.alloc(0), mode: 0o020644 }]), /not a regular file/);
    await refused(zip([{ name: 'fifo.jpg', data: Buffer.alloc(0), mode: 0o010644 }]), /not a regular file/);
  });

  it('refuses a zip bomb by its ratio before inflating it', async () => {
    await refused(zip([{ name: 'zeros.jpg', data: Buffer.alloc(32 * 1024 ** 2), deflate: true }]), /looks like a zip bomb/);
  });

  it('refuses entries past the size and count limits', async () => {
    const small = { ...limits, maxEntryBytes: 100 };
    await refused(zip([{ name: 'big.jpg', data: jpeg }]), /more than 100/, small);
    await refused(zip([{ name: 'a.jpg', data: jpeg }, { name: 'b.jpg', data: jpeg }]), /in all/, { ...limits, maxTotalBytes: 600 });
    await refused(zip(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.jpg`, data: jpeg }))), /11 entries/);
  });

  it('refuses an entry whose header understates what it inflates to', async () => {
    await refused(zip([{ name: 'liar.jpg', data: Buffer.alloc(4 * 1024 ** 2, 1), deflate: true, claimSize: 10 }]), /Archive refused/);
  });
});

describe('tar and tar.gz', () => {
  it('yields regular files of a tar and of a tar.gz', async () => {
    const plain = await tarball([{ header: { name: 'd', type: 'directory' } }, { header: { name: 'd/one.jpg', size: jpeg.length }, data: jpeg }]);
    expect(await read(plain)).toEqual([['d/one.jpg', jpeg.length]]);
    expect(await read(gzipSync(plain))).toEqual([['d/one.jpg', jpeg.length]]);
  });

  it('refuses path traversal, links and devices', async () => {
    await refused(tarball([{ header: { name: '../evil.jpg', size: jpeg.length }, data: jpeg }]), /climbs out/);
    await refused(tarball([{ header: { name: '/tmp/evil.jpg', size: jpeg.length }, data: jpeg }]), /absolute/);
    await refused(tarball([{ header: { name: 'link.jpg', type: 'symlink', linkname: '/etc/passwd' } }]), /symbolic link/);
    await refused(tarball([{ header: { name: 'hard.jpg', type: 'link', linkname: '/etc/passwd' } }]), /hard link/);
    await refused(tarball([{ header: { name: 'dev.jpg', type: 'character-device', devmajor: 1, devminor: 3 } }]), /not a regular file/);
  });

  it('refuses a gzip bomb as it inflates', async () => {
    const zeros = await tarball([{ header: { name: 'zeros.jpg', size: 32 * 1024 ** 2 }, data: Buffer.alloc(32 * 1024 ** 2) }]);
    await refused(gzipSync(zeros), /looks like a gzip bomb/);
  });

  it('refuses entries past the count limit', async () => {
    await refused(
      tarball(Array.from({ length: 11 }, (_, i) => ({ header: { name: `${i}.jpg`, size: jpeg.length }, data: jpeg }))),
      /more than the 10 entries/,
    );
  });
});

it('refuses what is none of the three', async () => {
  await refused(Buffer.from('just text'), /must be a .zip, .tar or .tar.gz/);
});
