import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError, EXIT } from './exit-codes.ts';

export interface LocalFile {
  path: string;
  size: number;
}

/** The files named on the command line, folders walked recursively; hidden entries skipped. */
export async function listFiles(paths: readonly string[]): Promise<LocalFile[]> {
  const files = new Map<string, LocalFile>();
  async function visit(path: string): Promise<void> {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${path}: ${err.code ?? err.message}`, EXIT.USAGE);
    });
    if (info.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) if (!entry.startsWith('.')) await visit(join(path, entry));
    } else if (info.isFile()) {
      files.set(path, { path, size: info.size });
    }
  }
  for (const p of paths) await visit(resolve(p));
  return [...files.values()];
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

/** What an interrupted upload left: its dataset, transaction and the files the server has. */
export interface UploadState {
  url: string;
  name: string;
  datasetId: string;
  transId: number;
  done: string[];
}

/**
 * The saved state of one upload, keyed by server, dataset name and file list, so running the
 * same command again resumes it. Rewritten whole after each batch (rename), so a kill at any
 * moment leaves the last good state.
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
