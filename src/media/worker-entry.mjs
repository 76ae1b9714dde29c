// Worker threads start without the TypeScript loader the main thread may have (tests, CLI),
// so each worker registers it before loading the real worker module.
import { register } from 'tsx/esm/api';

register();
const mod = await import('./analyze.worker.ts');
export default mod.default;
