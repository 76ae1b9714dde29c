import { ConfigError, loadConfig } from './config/config.ts';
import { runServer } from './run-server.ts';

/** `npm start`: the server on embedded defaults, configured from the environment. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`strata: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = await runServer(config);
  server.ctx.logger.info({ url: server.url, dataDir: config.dataDir }, 'Strata is listening');
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

await main();
