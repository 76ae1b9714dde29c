// Each test file gets its own temporary folder, removed after the file. Servers, worker processes,
// PostgreSQL clusters and browsers started by the tests inherit TMPDIR, so what they leave behind
// (a killed server's data folder, an upload's spool) does not pile up in the system's /tmp.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

process.env.STRATA_TEST_SHARED_TMP ??= tmpdir();
const dir = mkdtempSync(join(process.env.STRATA_TEST_SHARED_TMP, 'strata-test-file-'));
// PostgreSQL clusters run as the postgres user and must reach their folders inside this one.
chmodSync(dir, 0o755);
process.env.TMPDIR = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
