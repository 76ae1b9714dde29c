import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { runServer } from './run-server.ts';

/** Runs Strata in this process until SIGTERM/SIGINT, then stops gracefully. */
export async function serve(config: Config): Promise<void> {
  const server = await runServer(config);
  if (server.url !== null) server.ctx.logger.info({ url: server.url, dataDir: config.dataDir, role: config.role }, 'Strata is listening');
  else server.ctx.logger.info({ role: config.role }, 'Strata worker started');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.ctx.logger.info({ signal }, 'stopping');
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        server.ctx.logger.error({ err }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

// `npm start`: configured from the environment, embedded defaults otherwise.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await serve(loadConfig());
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`strata: configuration error: ${err.message}\n`);
    process.exit(2);
  }
}
