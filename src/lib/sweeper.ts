/**
 * Runs `sweep` now and then every `everyMs` (never two at once: a slow sweep skips a turn); the
 * returned stop() waits for a sweep under way, so what it uses can be closed after it.
 */
export function startSweeper(sweep: () => Promise<unknown>, everyMs: number): () => Promise<void> {
  let running: Promise<unknown> | null = null;
  const run = () => {
    running ??= sweep().finally(() => (running = null));
  };
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
