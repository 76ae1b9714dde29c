import { Worker } from 'node:worker_threads';

/**
 * Worker threads of one entry module, kept for the next user once released. A thread that
 * loads TypeScript takes ~0.5 s of CPU to start (the tsx loader with its own hooks thread, then
 * the modules): every similarity step and every index a search opens used to pay that. A
 * released thread waits `idleMs` for its next user, never keeping the process alive, then ends.
 *
 * The entry module must leave nothing behind between users (each user's last message resets
 * it), and a user releases a thread only when it is known to be healthy; one that failed is
 * discarded instead. Either way the user's listeners are removed, so nothing of it stays attached.
 */
export interface ReusableThreads {
  /** An idle thread of this entry (ref'd again), or a new one. */
  acquire(): Worker;
  /** Back to the idle set, unref'd, without the caller's message, error and exit listeners. */
  release(worker: Worker): void;
  /** Ends a thread that failed or is still busy with work nobody waits for, its listeners removed. */
  discard(worker: Worker): Promise<void>;
}

/** Whoever held the thread last (a user, or the idle set) stops hearing from it. */
function detach(worker: Worker): void {
  for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
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
      detach(reused);
      // Its user's work keeps the process alive again, as a new thread's would.
      reused.ref();
      return reused;
    },

    release(worker) {
      detach(worker);
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

    async discard(worker) {
      detach(worker);
      await worker.terminate();
    },
  };
}
