import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has embedded defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 2080, importRoots: [], queue: 'inprocess', role: 'all', databaseUrl: null, jwtMaxLifetimeSeconds: 86400 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the variable in every startup error', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ STRATA_PORT: 'eighty' }, /STRATA_PORT/],
      [{ STRATA_PORT: '70000' }, /STRATA_PORT/],
      [{ STRATA_ROLE: 'boss' }, /STRATA_ROLE/],
      [{ STRATA_QUEUE: 'redis' }, /STRATA_QUEUE/],
      [{ STRATA_DATABASE_URL: 'mysql://x' }, /STRATA_DATABASE_URL/],
      [{ STRATA_ADMIN_EMAIL: 'a@b.c' }, /STRATA_ADMIN_PASSWORD/],
      [{ STRATA_VIDEO_FPS: '-1' }, /STRATA_VIDEO_FPS/],
      [{ STRATA_LOG_LEVEL: 'loud' }, /STRATA_LOG_LEVEL/],
    ];
    for (const [env, message] of cases) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    }
  });

  it('splits and resolves import roots', () => {
    expect(loadConfig({ STRATA_IMPORT_ROOTS: '/a:/b/c::' }).importRoots).toEqual(['/a', '/b/c']);
  });
});
