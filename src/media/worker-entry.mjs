import { importTs } from '../lib/import-ts.mjs';

const mod = await importTs(new URL('./analyze.worker.ts', import.meta.url).href);
export default mod.default;
