/** A file to upload and the name the dataset gives it: its path inside a dropped or picked folder. */
export interface LocalFile {
  file: File;
  name: string;
  size: number;
}

/**
 * The files of a drop, folders walked recursively (the browser hands a dropped folder over as
 * an entry, not as files), each named by its path from the dropped folder's parent
 * ("trip/day 1/a.jpg"). Hidden files and folders (.DS_Store and the like) are left out.
 */
export async function droppedFiles(data: DataTransfer): Promise<LocalFile[]> {
  const entries = Array.from(data.items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => e !== null && e !== undefined);
  // A drop built by a script (or an old browser) has no entries: take its plain file list.
  if (entries.length === 0) return visible(Array.from(data.files, (f) => localFile(f, f.name)));
  const files: LocalFile[] = [];
  for (const entry of entries) await walk(entry, files);
  return visible(files);
}

/** Files chosen with a file or folder picker; a folder's files carry their path inside it. */
export const pickedFiles = (list: FileList | null): LocalFile[] => visible(Array.from(list ?? [], (f) => localFile(f, f.webkitRelativePath || f.name)));

/** The upload name of a path: no leading slash (an entry's fullPath has one), "/" between segments. */
export const localFile = (file: File, path: string): LocalFile => ({ file, name: path.replace(/^\/+/, ''), size: file.size });

const visible = (files: LocalFile[]) => files.filter((f) => !f.name.split('/').some((segment) => segment.startsWith('.')));

async function walk(entry: FileSystemEntry, out: LocalFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push(localFile(file, entry.fullPath || file.name));
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 in Chromium) until it answers none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, out);
  }
}
