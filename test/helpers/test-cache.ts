import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * STRATA_CACHE_DIR of every server the tests start: the model is exported once, not once per server.
 * It lives in the shared temporary folder, not in the test file's own (removed after each file).
 */
export const testCacheDir = join(process.env.STRATA_TEST_SHARED_TMP ?? tmpdir(), 'strata-test-cache');
