import type { Logger } from 'pino';
import type { JobName } from '../catalogue.ts';
import type { JobHandler, JobQueue, OutgoingJob } from '../../ports/job-queue.ts';
import type { JobRow, JobsRepo } from '../../ports/store.ts';
import { createStorageState, isStorageFull, type StorageState } from '../../lib/storage-full.ts';

interface Worker {
  name: JobName;
  concurrency: number;
  handler: JobHandler<JobName>;
  active: number;
  /**
   * Its last claim found nothing: not asked again until work may have appeared (jobs of its
   * name sent, one of its jobs finished or due for a retry, a serial job finished, the idle
   * poll). Otherwise every finished item would cost a claim transaction for each other name.
   */
  drained: boolean;
  /** Counts those wake-ups: a claim that raced one does not mark the worker drained. */
  refills: number;
}

const IDLE_POLL_MS = 1000;
/** Longest wait before a job held by a full storage is tried again. */
const MAX_HOLD_MS = 30_000;

/**
 * A job queue over the store's jobs table, run inside this process. Sending wakes the
 * workers at once; otherwise they poll. On start, jobs a dead process left active go back
 * to the queue, so kill -9 loses nothing.
 */
export function createInprocessQueue(deps: {
  jobs: JobsRepo;
  logger: Logger;
  retryLimit: number;
  retryDelayMs?: number;
  idlePollMs?: number;
  /** Told when processing starts and stops waiting for storage space. */
  storage?: StorageState;
  /** First wait of a job held by a full storage (doubling up to 30 s). Default 1000. */
  spaceRetryMs?: number;
}): JobQueue {
  const workers: Worker[] = [];
  const running = new Set<Promise<void>>();
  let started = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let pumpAgain = false;
  const retryDelayMs = deps.retryDelayMs ?? 1000;
  const spaceRetryMs = deps.spaceRetryMs ?? 1000;
  const storage = deps.storage ?? createStorageState();
  /** Held jobs' waits, ended early when the queue stops. */
  const pauses = new Set<() => void>();

  /**
   * Runs a job until its outcome is recorded. The handler or the bookkeeping may meet a full
   * storage, or the store may fail to record the outcome: then the job keeps its slot and its
   * row (still active, so no one else takes it) and runs again after a backoff, without spending
   * an attempt — a full disk is not the job's fault, and its row must not stay active for ever.
   */
  async function runJob(w: Worker, job: JobRow): Promise<void> {
    for (let held = 0; ; held++) {
      try {
        await attempt(w, job);
        // Its outcome was written: the storage takes writes again.
        storage.report(false);
        return;
      } catch (err) {
        const full = isStorageFull(err);
        if (full) storage.report(true);
        else deps.logger.error({ job: job.name, jobId: job.id, err }, 'job outcome could not be recorded; running it again');
        if (!(await pause(Math.min(spaceRetryMs * 2 ** held, MAX_HOLD_MS)))) return;
      }
    }
  }

  /** One run of the handler and the recording of its outcome; throws when the outcome could not be recorded. */
  async function attempt(w: Worker, job: JobRow): Promise<void> {
    const ctx = { jobId: String(job.id), attempt: job.retryCount, isLastAttempt: job.retryCount >= job.retryLimit };
    let failure: unknown;
    try {
      const result = await w.handler(job.payload as never, ctx);
      if (result.status === 'failed') deps.logger.warn({ job: job.name, jobId: job.id, reason: result.reason }, 'job recorded a failure');
      await deps.jobs.complete(job.id);
      return;
    } catch (err) {
      if (isStorageFull(err)) throw err;
      failure = err;
    }
    const message = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
    const delay = retryDelayMs * 2 ** job.retryCount;
    const outcome = await deps.jobs.retryOrFail(job.id, message, delay);
    deps.logger.error({ job: job.name, jobId: job.id, attempt: job.retryCount, outcome, err: failure }, 'job threw');
    if (outcome === 'retry') setTimeout(() => refill(w), delay + 5).unref();
  }

  /** Waits `ms`; false when the queue stops meanwhile (the job then resumes on the next start). */
  function pause(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (stopping) return resolve(false);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        pauses.delete(onStop);
        resolve(ok);
      };
      const onStop = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      pauses.add(onStop);
    });
  }

  /**
   * A busy worker claims only once half its slots are free: a claim is a transaction whose cost
   * hardly depends on how many jobs it takes, and one per finished item was a fifth of the main
   * thread's time per image. Handlers therefore need more slots than the resource behind them
   * (the item stage: twice the media pool's), so that it stays busy between claims.
   */
  const claimAtLeast = (w: Worker) => (w.active === 0 ? 1 : Math.ceil(w.concurrency / 2));

  async function pumpOnce(): Promise<void> {
    for (const w of workers) {
      while (!stopping && !w.drained && w.concurrency - w.active >= claimAtLeast(w)) {
        const refills = w.refills;
        const claimed = await deps.jobs.claim(w.name, w.concurrency - w.active);
        if (claimed.length === 0) {
          if (w.refills === refills) w.drained = true;
          break;
        }
        for (const job of claimed) {
          w.active++;
          const p = runJob(w, job).finally(() => {
            w.active--;
            running.delete(p);
            // A finished serial job may let the next of its key run, whatever its name.
            if (job.serialKey === null) refill(w);
            else refill(...workers);
          });
          running.add(p);
        }
      }
    }
  }

  function refill(...ws: Worker[]): void {
    for (const w of ws) {
      w.drained = false;
      w.refills++;
    }
    wake();
  }

  /** Claims work until every worker is busy or nothing is ready; coalesces concurrent wake-ups. */
  function wake(): void {
    if (!started || stopping) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    void (async () => {
      try {
        do {
          pumpAgain = false;
          await pumpOnce();
        } while (pumpAgain && !stopping);
      } catch (err) {
        // A claim writes: on a full storage it fails until space is freed; the idle poll tries again.
        if (isStorageFull(err)) storage.report(true);
        else deps.logger.error({ err }, 'job queue could not claim work');
      } finally {
        pumping = false;
      }
    })();
  }

  return {
    async send(jobs: readonly OutgoingJob[]) {
      await deps.jobs.insertMany(
        jobs.map((j) => ({
          name: j.name,
          payload: j.payload,
          singletonKey: j.options?.singletonKey ?? null,
          serialKey: j.options?.serialKey ?? null,
          retryLimit: deps.retryLimit,
        })),
      );
      refill(...workers.filter((w) => jobs.some((j) => j.name === w.name)));
    },

    work(name, options, handler) {
      workers.push({ name, concurrency: options.concurrency, handler: handler as JobHandler<JobName>, active: 0, drained: false, refills: 0 });
    },

    async start() {
      const requeued = await deps.jobs.requeueActive();
      if (requeued > 0) deps.logger.info({ requeued }, 'resuming jobs left unfinished by the previous run');
      started = true;
      timer = setInterval(() => refill(...workers), deps.idlePollMs ?? IDLE_POLL_MS);
      timer.unref();
      wake();
    },

    async stop(timeoutMs = 10_000) {
      stopping = true;
      if (timer) clearInterval(timer);
      for (const stopWaiting of [...pauses]) stopWaiting();
      const all = Promise.allSettled([...running]);
      await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
  };
}
