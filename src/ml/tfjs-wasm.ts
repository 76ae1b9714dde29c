import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let ready: Promise<void> | null = null;

/**
 * Switches this thread's TF.js engine to the WebAssembly backend (XNNPACK with SIMD), once:
 * every embedder in the thread shares it. TF.js keeps its engine per module instance, so each
 * worker thread has its own.
 *
 * The .wasm binaries ship in @tensorflow/tfjs-backend-wasm and are read from disk by path
 * (Emscripten uses `fs` in Node; Node's fetch cannot read file: URLs, so the platform-fetch
 * option must stay off). In Node the backend always runs single-threaded: TF.js reports no
 * multithread support there (tfjs#3830), and forcing the threaded build fails because its
 * pthreads start from blob: URLs that worker_threads rejects. Parallelism therefore comes
 * from running one embedder per worker thread.
 */
export function ensureWasmBackend(): Promise<void> {
  ready ??= init().catch((error: unknown) => {
    ready = null;
    throw error;
  });
  return ready;
}

async function init(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  const require = createRequire(import.meta.url);
  // The package's main file sits in dist/, next to the three .wasm variants.
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  const uncaught = new Set(process.listeners('uncaughtException'));
  const rejections = new Set(process.listeners('unhandledRejection'));
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('TF.js could not start its wasm backend');
    await tf.ready();
  } finally {
    // Emscripten's Node glue installs process-wide handlers that rethrow every uncaught error
    // and rejection, which would override the host's own handling (and print the whole
    // minified module source with the error). The backend does not need them.
    for (const listener of process.listeners('uncaughtException')) {
      if (!uncaught.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!rejections.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  }
}

/** Which binary TF.js picked, for benchmarks and logs. */
export async function wasmBackendInfo(): Promise<{ simd: boolean; threads: number }> {
  await ensureWasmBackend();
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  return {
    simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: getThreadsCount(),
  };
}
