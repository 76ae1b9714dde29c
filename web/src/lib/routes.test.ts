import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute, type Route } from './routes.ts';

describe('routes', () => {
  it('reads every view from its URL and writes the same URL back', () => {
    const urls = ['/', '/login', '/login?next=%2Fdatasets%2Fa%2Fduplicates', '/datasets/a', '/datasets/a/duplicates', '/datasets/a/duplicates?level=0.985'];
    for (const url of urls) {
      const u = new URL(url, 'http://x');
      expect(hrefOf(parseRoute(u.pathname, u.search)), url).toBe(url);
    }
  });

  it('falls back to the default level for a level that is not one of the eight', () => {
    expect(parseRoute('/datasets/a/duplicates', '?level=0.5')).toMatchObject({ level: 0.96 });
    expect(parseRoute('/datasets/a/duplicates', '?level=1')).toMatchObject({ level: 1 });
  });

  it('never sends a login anywhere but a path of this site', () => {
    for (const next of ['https://evil.example/', '//evil.example/x', 'javascript:alert(1)']) {
      expect(parseRoute('/login', `?next=${encodeURIComponent(next)}`)).toEqual<Route>({ page: 'login', next: '/' });
    }
  });

  it('answers not-found for unknown paths and tabs', () => {
    expect(parseRoute('/nope', '').page).toBe('not-found');
    expect(parseRoute('/datasets/a/nope', '').page).toBe('not-found');
  });
});
