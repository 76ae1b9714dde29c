import type { Logger } from 'pino';
import type { JobName } from '../catalogue.ts';
import type { JobHandler, JobQueue, OutgoingJob } from '../../ports/job-queue.ts';
import type { JobRow, JobsRepo } from '../../ports/store.ts';

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

/**
 * A job queue over the store's jobs table, run inside this process. Sending wakes the
 * workers at once; otherwise they poll. On start, jobs a dead process left active go back
 * to the queue, so kill -9 loses nothing.
 */
export function createInprocessQueue(deps: { jobs: JobsRepo; logger: Logger; retryLimit: number; retryDelayMs?: number; idlePollMs?: number }): JobQueue {
  const workers: Worker[] = [];
  const running = new Set<Promise<void>>();
  let started = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let pumping = false;
  let pumpAgain = false;
  const retryDelayMs = deps.retryDelayMs ?? 1000;

  async function runJob(w: Worker, job: JobRow): Promise<void> {
    const ctx = { jobId: String(job.id), attempt: job.retryCount, isLastAttempt: job.retryCount >= job.retryLimit };
    try {
      const result = await w.handler(job.payload as never, ctx);
      if (result.status === 'failed') deps.logger.warn({ job: job.name, jobId: job.id, reason: result.reason }, 'job recorded a failure');
      await deps.jobs.complete(job.id);
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      const delay = retryDelayMs * 2 ** job.retryCount;
      const outcome = await deps.jobs.retryOrFail(job.id, message, delay).catch(() => 'retry' as const);
      deps.logger.error({ job: job.name, jobId: job.id, attempt: job.retryCount, outcome, err }, 'job threw');
      if (outcome === 'retry') setTimeout(() => refill(w), delay + 5).unref();
    }
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
        deps.logger.error({ err }, 'job queue could not claim work');
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
      const all = Promise.allSettled([...running]);
      await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
  };
}
