import { importTs } from '../lib/import-ts.mjs';

await importTs(new URL('./usearch.worker.ts', import.meta.url).href);
