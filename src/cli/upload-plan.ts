import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { isAnnotationFileName } from '../domain/annotations.ts';
import { sha256OfFile } from '../lib/sha256.ts';
import { mediaKindOf } from '../media/media-types.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { countOf, type Output } from './output.ts';

export interface LocalFile {
  path: string;
  size: number;
  /**
   * Its path relative to the folder named on the command line, that folder's name first
   * ("trip/day 1/a.jpg", as a folder uploaded from the web UI is named); a file named on the
   * command line by itself is its base name.
   */
  relativeName: string;
}

/**
 * The files named on the command line, folders walked recursively; hidden entries skipped. In a
 * folder only media and annotation files are taken, as a dataset made from that folder on the
 * server takes them: the rest (notes, sidecars) would only be sent to be listed as failures.
 * `skipped` names what was left out; a file named by itself is always taken.
 */
export async function listFiles(paths: readonly string[]): Promise<{ files: LocalFile[]; skipped: string[] }> {
  const files = new Map<string, LocalFile>();
  const skipped: string[] = [];
  async function visit(path: string, relativeName: string, named: boolean): Promise<void> {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file or folder' : err.message}`, EXIT.USAGE);
    });
    if (info.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) if (!entry.startsWith('.')) await visit(join(path, entry), `${relativeName}/${entry}`, false);
    } else if (info.isFile()) {
      if (named || mediaKindOf(relativeName) !== null || isAnnotationFileName(basename(relativeName))) files.set(path, { path, size: info.size, relativeName });
      else skipped.push(relativeName);
    }
  }
  for (const p of paths) await visit(resolve(p), basename(resolve(p)), true);
  return { files: [...files.values()], skipped };
}

/** Says which files a folder walk left out, naming a few. */
export function noteSkipped(out: Output, skipped: readonly string[]): void {
  if (skipped.length > 0) out.note(`Left out ${countOf(skipped.length, 'file')} neither media nor annotations: ${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''}`);
}

/** Consecutive groups of at most `maxFiles` files and (unless one file is bigger) `maxBytes` bytes. */
export function batches(files: readonly LocalFile[], maxFiles: number, maxBytes: number): LocalFile[][] {
  const out: LocalFile[][] = [];
  let current: LocalFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length >= maxFiles || bytes + f.size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * What an interrupted upload left: its dataset and transaction. Which files are there is the
 * server's to say (it lists a transaction's files), not a local record a kill can leave behind.
 */
export interface UploadState {
  url: string;
  name: string;
  datasetId: string;
  transId: number;
}

/**
 * The saved state of one upload, keyed by server, dataset name and file list, so running the
 * same command again resumes it. Written whole (rename), so a kill never leaves half a file.
 */
export function uploadStateStore(dir: string, key: { url: string; name: string; files: readonly LocalFile[] }) {
  const id = createHash('sha256')
    .update(JSON.stringify([key.url, key.name, key.files.map((f) => f.path)]))
    .digest('hex')
    .slice(0, 32);
  const file = join(dir, 'uploads', `${id}.json`);
  return {
    file,
    async load(): Promise<UploadState | null> {
      try {
        return JSON.parse(await readFile(file, 'utf8')) as UploadState;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async save(state: UploadState): Promise<void> {
      await mkdir(join(dir, 'uploads'), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
      await rename(tmp, file);
    },
    async remove(): Promise<void> {
      await rm(file, { force: true });
    },
  };
}

/** How a stored file is matched to a local one: the name it was sent under, its size and digest. */
export const storedKey = (name: string, size: number, sha256: string) => `${name}\0${size}\0${sha256}`;

/** The local files the server already holds (same relative name, size and SHA-256), read only when name and size match. */
export async function alreadyStored(files: readonly LocalFile[], stored: ReadonlySet<string>): Promise<Set<string>> {
  const candidates = new Set([...stored].map((key) => key.slice(0, key.lastIndexOf('\0'))));
  const found = new Set<string>();
  for (const f of files) {
    const name = f.relativeName;
    if (!candidates.has(`${name}\0${f.size}`)) continue;
    if (stored.has(storedKey(name, f.size, await sha256OfFile(f.path)))) found.add(f.path);
  }
  return found;
}
