/** What the scan shows while indexing runs: the dataset's status body, as the API gives it. */
export interface ProgressState {
  status_new: string;
  progress: number;
  processing?: { stage: string; done: number; total: number | null; failed: number; eta_seconds: number | null };
}

const BAR_WIDTH = 30;

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One line: stage, items done of total, failures, percent and ETA (the bar is added on a terminal). */
export function progressLine(state: ProgressState, bar: boolean): string {
  const p = state.processing;
  const counts = p ? `${p.stage} ${p.done}/${p.total ?? '?'}${p.failed > 0 ? `, ${p.failed} failed` : ''}` : state.status_new.toLowerCase();
  const eta = p?.eta_seconds !== null && p?.eta_seconds !== undefined ? `, ETA ${duration(p.eta_seconds)}` : '';
  const filled = Math.round((state.progress / 100) * BAR_WIDTH);
  const graphic = bar ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
  return `${graphic}${String(state.progress).padStart(3)}% ${counts}${eta}`;
}

/**
 * Shows progress on `out`: a bar redrawn in place on a terminal; elsewhere (a log, a pipe) a
 * plain line whenever the stage changes or another tenth of the work is done, so logs stay short.
 */
export function createProgressDisplay(out: NodeJS.WriteStream | NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {
  const tty = out.isTTY === true;
  let lastStage = '';
  let lastTenth = -1;
  let drawn = false;
  return {
    update(state: ProgressState): void {
      if (tty) {
        const width = (out as NodeJS.WriteStream).columns ?? 80;
        out.write(`\r${progressLine(state, true).slice(0, width - 1).padEnd(width - 1)}`);
        drawn = true;
        return;
      }
      const stage = state.processing?.stage ?? state.status_new;
      const tenth = Math.floor(state.progress / 10);
      if (stage === lastStage && tenth === lastTenth) return;
      lastStage = stage;
      lastTenth = tenth;
      out.write(`${progressLine(state, false)}\n`);
    },
    /** Ends the bar's line so what follows starts on a fresh one. */
    done(): void {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
