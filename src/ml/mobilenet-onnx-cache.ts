import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { FeatureNet, FeatureNetOptions } from './mobilenet-model.ts';
import { onnxFeatureNet } from './onnx-feature-net.ts';

const filePrefix = 'mobilenet-';

/**
 * The bundled MobileNet on ONNX Runtime, its ONNX export kept as a file under `cacheDir`.
 * Exporting needs TF.js: about 2 s of CPU in every media worker at every start (1.3 s just to
 * load the library), where reading the file and opening a session takes 0.15 s. The file is
 * named by a hash of the model version (weights, layer, size, scaling) and of the source of
 * every module in this folder, so that a change in how the network is built or exported makes
 * a new file instead of reusing a stale one; older files are removed.
 */
export async function cachedOnnxFeatureNet(options: Omit<FeatureNetOptions, 'engine'>, version: string, cacheDir: string): Promise<FeatureNet> {
  const file = join(cacheDir, `${filePrefix}${await exportKey(version)}.onnx`);
  const cached = await readFile(file).catch(() => null);
  if (cached !== null) {
    // A file that ONNX Runtime cannot open (disk trouble) is exported again.
    const net = await onnxFeatureNet(cached, options.inputSize).catch(() => null);
    if (net !== null) return net;
  }
  const { exportMobileNetOnnx } = await import('./mobilenet-model.ts');
  const model = await exportMobileNetOnnx(options);
  // Best effort: a cache that cannot be written (a read-only data directory) only costs time.
  await keep(cacheDir, file, model).catch(() => {});
  return onnxFeatureNet(model, options.inputSize);
}

async function keep(cacheDir: string, file: string, model: Uint8Array): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  // Written aside, then renamed: another worker reading at the same time sees all or nothing.
  const partial = `${file}.${process.pid}-${threadId}.partial`;
  try {
    await writeFile(partial, model);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  await removeOthers(cacheDir, file);
}

async function exportKey(version: string): Promise<string> {
  const dir = import.meta.dirname;
  const sources = (await readdir(dir)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts')).sort();
  const hash = createHash('sha256').update(version);
  for (const name of sources) hash.update(name).update(await readFile(join(dir, name)));
  return hash.digest('hex').slice(0, 16);
}

async function removeOthers(cacheDir: string, keep: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const path = join(cacheDir, name);
    if (path !== keep && name.startsWith(filePrefix) && name.endsWith('.onnx')) await rm(path, { force: true });
  }
}
