import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { DomainError } from '../domain/errors.ts';

/**
 * The regular files of an uploaded .zip, .tar or .tar.gz, read without ever writing a path the
 * archive names: entries come out as streams, and the caller stores them under keys of its own.
 * Anything that could be an attack refuses the whole archive with a clear 400 — a path that is
 * absolute or climbs out with `..`, a symlink, hard link, device or FIFO, more entries or bytes
 * than the limits, or a compression ratio no media file has (a zip bomb). Sizes are enforced on
 * the bytes actually inflated, not only on what the headers claim.
 */
export interface ArchiveLimits {
  maxEntries: number;
  /** Per entry, inflated. */
  maxEntryBytes: number;
  /** All entries together, inflated. */
  maxTotalBytes: number;
}

/**
 * Inflated size ÷ compressed size beyond which an entry is refused. Media formats are already
 * compressed (JPEG, PNG, MP4 stay near 1); even an uncompressed BMP or TIFF of a flat image
 * rarely passes 50. A zip bomb is in the thousands.
 */
export const maxCompressionRatio = 200;
/** Small entries are never bombs, whatever their ratio (a 1 KB file of zeros compresses 100×). */
const ratioFreeBytes = 1024 ** 2;

export interface ArchiveEntry {
  /** The entry's path inside the archive (checked: relative, no `..`). */
  path: string;
  /** Read it to the end before asking for the next entry. */
  stream: Readable;
}

const refuse = (message: string): DomainError => new DomainError('BAD_REQUEST', `Archive refused: ${message}`);

/** Checks an entry's path: relative, inside the archive, no NUL. Returns it with `/` separators. */
export function checkEntryPath(name: string): string {
  if (name.includes('\u0000')) throw refuse(`entry ${JSON.stringify(name)} has a NUL in its name`);
  const path = name.replace(/\\/g, '/');
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) throw refuse(`entry ${JSON.stringify(name)} has an absolute path`);
  if (path.split('/').includes('..')) throw refuse(`entry ${JSON.stringify(name)} climbs out of the archive with ".."`);
  return path;
}

export type ArchiveKind = 'zip' | 'tar' | 'tar.gz';

/** What the file is, from its first bytes (names lie); null for none of the three. */
export async function archiveKindOf(file: string): Promise<ArchiveKind | null> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip';
    // An empty zip is its end-of-central-directory record alone.
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0x06054b50) return 'zip';
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    if (bytesRead >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
    return null;
  } finally {
    await handle.close();
  }
}

export async function* archiveEntries(file: string, limits: ArchiveLimits): AsyncGenerator<ArchiveEntry> {
  const kind = await archiveKindOf(file);
  if (kind === null) throw new DomainError('BAD_REQUEST', 'archive must be a .zip, .tar or .tar.gz file');
  const budget = byteBudget(limits);
  if (kind === 'zip') yield* zipEntries(file, limits, budget);
  else yield* tarEntries(file, kind === 'tar.gz', limits, budget);
}

/** Counts inflated bytes against the per-entry and total limits, failing the stream past either. */
function byteBudget(limits: ArchiveLimits) {
  let total = 0;
  return (path: string, declared: number | null): Transform => {
    let entry = 0;
    return new Transform({
      transform(chunk: Buffer, _enc, cb) {
        entry += chunk.length;
        total += chunk.length;
        if (entry > limits.maxEntryBytes) return cb(refuse(`entry "${path}" inflates past ${limits.maxEntryBytes} bytes`));
        if (declared !== null && entry > declared) return cb(refuse(`entry "${path}" holds more bytes than its header says`));
        if (total > limits.maxTotalBytes) return cb(refuse(`its entries inflate past ${limits.maxTotalBytes} bytes in all`));
        cb(null, chunk);
      },
    });
  };
}

type Budget = ReturnType<typeof byteBudget>;

/** What both readers hand out for an entry (yauzl a Node stream, tar-stream a streamx one). */
interface EntryStream {
  on(event: 'error', listener: (err: Error) => void): unknown;
  pipe<T extends NodeJS.WritableStream>(destination: T): T;
}

/**
 * The entry's bytes through its counter. pipe() does not pass errors on, so a failure of the
 * reader (a truncated archive, a zip entry longer than its header says) is passed by hand,
 * as the refusal it is, or the caller would wait for the end of a stream that never ends.
 */
function counted(raw: EntryStream, counter: Transform, path: string): Readable {
  raw.on('error', (err) => counter.destroy(err instanceof DomainError ? err : refuse(`entry "${path}" could not be read (${err.message})`)));
  return raw.pipe(counter);
}

function checkRatio(path: string, inflated: number, compressed: number): void {
  if (inflated > ratioFreeBytes && inflated > maxCompressionRatio * Math.max(1, compressed)) {
    throw refuse(`entry "${path}" inflates ${Math.round(inflated / Math.max(1, compressed))}× (${inflated} bytes): it looks like a zip bomb`);
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

async function* zipEntries(file: string, limits: ArchiveLimits, budget: Budget): AsyncGenerator<ArchiveEntry> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true, strictFileNames: false }, (err, z) => (err || !z ? reject(err) : resolve(z))),
    );
  } catch (err) {
    throw refuse(`not a readable zip (${(err as Error).message})`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw refuse(`${zip.entryCount} entries, more than the ${limits.maxEntries} allowed`);
    let declaredTotal = 0;
    for (;;) {
      const entry = await nextZipEntry(zip);
      if (entry === null) return;
      const path = checkEntryPath(entry.fileName);
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (path.endsWith('/') || mode === S_IFDIR) continue;
      if (mode === S_IFLNK) throw refuse(`entry "${path}" is a symbolic link`);
      if (mode !== 0 && mode !== S_IFREG) throw refuse(`entry "${path}" is not a regular file`);
      if (entry.uncompressedSize > limits.maxEntryBytes) throw refuse(`entry "${path}" is ${entry.uncompressedSize} bytes, more than ${limits.maxEntryBytes}`);
      declaredTotal += entry.uncompressedSize;
      if (declaredTotal > limits.maxTotalBytes) throw refuse(`its entries hold more than ${limits.maxTotalBytes} bytes in all`);
      checkRatio(path, entry.uncompressedSize, entry.compressedSize);
      const raw = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err || !s ? reject(err ?? new Error('no stream')) : resolve(s))));
      yield { path, stream: counted(raw, budget(path, entry.uncompressedSize), path) };
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw refuse(`not a readable zip (${(err as Error).message})`);
  } finally {
    zip.close();
  }
}

function nextZipEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry) => (cleanup(), resolve(e));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (err: Error) => (cleanup(), reject(err));
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

async function* tarEntries(file: string, gzipped: boolean, limits: ArchiveLimits, budget: Budget): AsyncGenerator<ArchiveEntry> {
  const extract = tar.extract();
  const source = createReadStream(file);
  const feeding = (gzipped ? pipeline(source, ...inflateChecked(limits), extract) : pipeline(source, extract)).catch((err: unknown) => {
    extract.destroy(err as Error);
  });
  let entries = 0;
  try {
    for await (const entry of extract) {
      const path = checkEntryPath(entry.header.name);
      const type = entry.header.type ?? 'file';
      if (++entries > limits.maxEntries) throw refuse(`more than the ${limits.maxEntries} entries allowed`);
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      if (type === 'symlink' || type === 'link') throw refuse(`entry "${path}" is a ${type === 'link' ? 'hard' : 'symbolic'} link`);
      if (type !== 'file' && type !== 'contiguous-file') throw refuse(`entry "${path}" is not a regular file (${type})`);
      const size = entry.header.size ?? 0;
      if (size > limits.maxEntryBytes) throw refuse(`entry "${path}" is ${size} bytes, more than ${limits.maxEntryBytes}`);
      yield { path, stream: counted(entry, budget(path, size), path) };
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw refuse(`not a readable tar${gzipped ? '.gz' : ''} (${(err as Error).message})`);
  } finally {
    source.destroy();
    extract.destroy();
    await feeding;
  }
}

/**
 * Gunzip between two counters: the inflated stream may not pass the total limit (plus the tar
 * headers of the entries allowed), nor outgrow the compressed bytes read so far by more than
 * the ratio no media file reaches — a gzip of zeros is refused as it starts, not once stored.
 */
function inflateChecked(limits: ArchiveLimits): [Transform, Transform, Transform] {
  let compressed = 0;
  let inflated = 0;
  const cap = limits.maxTotalBytes + 1024 * (limits.maxEntries + 2);
  const counting = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      compressed += chunk.length;
      cb(null, chunk);
    },
  });
  const checking = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      inflated += chunk.length;
      if (inflated > cap) return cb(refuse(`it inflates past ${cap} bytes`));
      if (inflated > ratioFreeBytes && inflated > maxCompressionRatio * compressed) {
        return cb(refuse(`it inflates ${Math.round(inflated / compressed)}× (${inflated} bytes from ${compressed}): it looks like a gzip bomb`));
      }
      cb(null, chunk);
    },
  });
  return [counting, createGunzip(), checking];
}
