import { Worker } from 'node:worker_threads';

/**
 * Worker threads of one entry module, kept for the next user once released. A thread that
 * loads TypeScript takes ~0.5 s of CPU to start (the tsx loader with its own hooks thread, then
 * the modules): every similarity step and every index a search opens used to pay that. A
 * released thread waits `idleMs` for its next user, never keeping the process alive, then ends.
 *
 * The entry module must leave nothing behind between users (each user's last message resets
 * it), and a user releases a thread only when it is known to be healthy; one that failed is
 * terminated instead.
 */
export interface ReusableThreads {
  /** An idle thread of this entry, or a new one. */
  acquire(): Worker;
  /** Back to the idle set, unref'd; the caller must have removed its own listeners. */
  release(worker: Worker): void;
}

export function reusableThreads(entry: URL, idleMs = 60_000): ReusableThreads {
  const idle = new Map<Worker, NodeJS.Timeout>();

  const forget = (worker: Worker) => {
    clearTimeout(idle.get(worker));
    idle.delete(worker);
  };

  return {
    acquire() {
      const [reused] = idle.keys();
      if (reused === undefined) return new Worker(entry);
      forget(reused);
      reused.removeAllListeners('exit');
      reused.removeAllListeners('error');
      return reused;
    },

    release(worker) {
      worker.unref();
      // A thread that dies while idle (it should not) is simply dropped.
      worker.once('exit', () => forget(worker));
      worker.on('error', () => {});
      const timer = setTimeout(() => {
        forget(worker);
        void worker.terminate();
      }, idleMs);
      timer.unref();
      idle.set(worker, timer);
    },
  };
}
