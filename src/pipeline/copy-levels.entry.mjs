// Worker threads start without the TypeScript loader the main thread may have (tests, CLI,
// benchmarks), so the worker registers it before loading the real worker module.
import { register } from 'tsx/esm/api';

register();
await import('./copy-levels.worker.ts');
