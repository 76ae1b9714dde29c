import { importTs } from '../lib/import-ts.mjs';

await importTs(new URL('./graph-analysis.worker.ts', import.meta.url).href);
