import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** STRATA_CACHE_DIR of every server the tests start: the model is exported once, not once per server. */
export const testCacheDir = join(tmpdir(), 'strata-test-cache');
