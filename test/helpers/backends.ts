import { startPostgres } from './postgres.ts';
import { startS3Server } from './s3-server.ts';

/**
 * The two deployments an API test runs against: the embedded defaults, and PostgreSQL with
 * pg-boss and S3 blobs (in `bucket`). `start` gives the server's environment and its stop.
 */
export function storeBackends(bucket: string) {
  return [
    { name: 'SQLite, in-process queue, local blobs', start: async () => ({ env: {}, stop: async () => {} }) },
    {
      name: 'PostgreSQL, pg-boss, S3 blobs',
      start: async () => {
        const [postgres, s3] = await Promise.all([startPostgres(), startS3Server({ buckets: [bucket] })]);
        return { env: { STRATA_DATABASE_URL: postgres.url, ...s3.strataEnv(bucket) }, stop: () => Promise.all([postgres.stop(), s3.stop()]).then(() => {}) };
      },
    },
  ];
}
