import cliProgress from 'cli-progress';
import type { Dataset } from '../client/index.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { countOf, type Output } from './output.ts';

/** One line describing where a dataset is: status, progress and the running stage. */
export function describeProgress(d: Dataset): string {
  const p = d.processing;
  const stage = p && p.status !== 'COMPLETED' ? `  ${p.stage} ${p.done}/${p.total ?? '?'}${p.failed > 0 ? `, ${p.failed} failed` : ''}` : '';
  const eta = p?.eta_seconds != null ? `  ~${p.eta_seconds}s left` : '';
  const aborting = p?.abort_requested && (p.status === 'RUNNING' || p.status === 'INITIALIZING') ? '  aborting' : '';
  return `${d.status_new} ${d.progress}%${stage}${eta}${aborting}`;
}

/**
 * Shows a dataset's progress while waiting: a bar redrawn in place on a terminal, a line per
 * change otherwise (logs, CI), nothing with --json. `stop` clears the bar either way.
 */
export function progressDisplay(out: Output): { update(d: Dataset): void; stop(): void } {
  if (out.json) return { update() {}, stop() {} };
  if (!out.live) {
    let last = '';
    return {
      update(d) {
        const line = describeProgress(d);
        if (line !== last) process.stderr.write(`${line}\n`);
        last = line;
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{status} |{bar}| {percentage}% {stage}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(d) {
      const payload = { status: d.status_new, stage: describeProgress(d).slice(`${d.status_new} ${d.progress}%`.length).trim() };
      if (!started) bar.start(100, d.progress, payload);
      else bar.update(d.progress, payload);
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** Why the dataset failed, pointing to `strata errors` where the server points to its endpoint. */
const fatalError = (d: Dataset): string | null => d.fatal_error_msg?.replace(/ \(see GET [^)]*\/errors\)/, ` (see \`strata errors ${d.id}\`)`) ?? null;

/** The exit status a finished dataset stands for: ERROR is a failure; READY and PARTIAL INDEX are not. */
export function settledOrThrow(d: Dataset): void {
  if (d.status_new === 'ERROR') throw new CliError(`dataset ${d.id} ended in ERROR: ${fatalError(d) ?? 'see `strata errors`'}`, EXIT.FAILED);
}

export function summary(d: Dataset): string {
  return [
    `${d.display_name} (${d.id})`,
    `  status    ${d.status_new} (${d.status}), ${d.progress}%`,
    `  media     ${countOf(d.n_images, 'image')}, ${countOf(d.n_videos, 'video')}`,
    ...(d.processing ? [`  last run  ${d.processing.operation} ${d.processing.status}: ${d.processing.done}/${d.processing.total ?? '?'} done, ${d.processing.failed} failed`] : []),
    ...(d.fatal_error_msg ? [`  error     ${fatalError(d)}`] : []),
  ].join('\n');
}
