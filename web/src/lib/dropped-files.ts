/**
 * The files of a drop, folders walked recursively (the browser hands a dropped folder over as
 * an entry, not as files). Hidden files (.DS_Store and the like) are left out.
 */
export async function droppedFiles(data: DataTransfer): Promise<File[]> {
  const entries = Array.from(data.items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => e !== null && e !== undefined);
  // A drop built by a script (or an old browser) has no entries: take its plain file list.
  if (entries.length === 0) return visible(Array.from(data.files));
  const files: File[] = [];
  for (const entry of entries) await walk(entry, files);
  return visible(files);
}

/** Files chosen with a file or folder picker. */
export const pickedFiles = (list: FileList | null): File[] => visible(Array.from(list ?? []));

const visible = (files: File[]) => files.filter((f) => !f.name.startsWith('.'));

async function walk(entry: FileSystemEntry, out: File[]): Promise<void> {
  if (entry.isFile) {
    out.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
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
