/**
 * The reference for bench/status.ts: a bare Fastify server whose only route answers
 * GET /api/v1/dataset/:dataset_id with a fixed JSON body (the one Strata returned for the same
 * dataset). No auth, no database, no logging: the floor any Fastify route can reach here.
 *
 *   BENCH_BODY_FILE=body.json BENCH_PORT=3000 node --import tsx bench/bare-server.ts
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const bodyFile = process.env.BENCH_BODY_FILE;
const port = Number(process.env.BENCH_PORT ?? '0');
if (!bodyFile) {
  process.stderr.write('bare-server: BENCH_BODY_FILE must name a JSON file\n');
  process.exit(2);
}
// Parsed once; serialised on every request, as Strata serialises its body on every request.
const body = JSON.parse(readFileSync(bodyFile, 'utf8')) as Record<string, unknown>;

const app = Fastify({ logger: false });
app.get('/api/v1/dataset/:dataset_id', async () => body);
app.get('/health', async () => ({ status: 'ok' }));

const url = await app.listen({ host: '127.0.0.1', port });
process.stdout.write(`bare server listening on ${url}\n`);

const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
