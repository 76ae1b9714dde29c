import { describe, expect, it } from 'vitest';
import { datasetTab, hrefOf, parseRoute, tabOf, type Route } from './routes.ts';

describe('routes', () => {
  it('reads every view from its URL and writes the same URL back', () => {
    const urls = [
      '/',
      '/login',
      '/login?next=%2Fdatasets%2Fa%2Fduplicates',
      '/keys',
      '/tasks',
      '/tasks?dataset=a',
      '/datasets/a',
      '/datasets/a/media',
      '/datasets/a/duplicates',
      '/datasets/a/duplicates?level=0.985',
      '/datasets/a/clusters',
      '/datasets/a/clusters?g=3',
      '/datasets/a/clusters/2-17',
      '/datasets/a/issues',
      '/datasets/a/issues?type=outliers&min=0.8',
      '/datasets/a/issues?type=low_information',
      '/datasets/a/issues?type=odd_aspect_ratio&min=0.3',
      '/datasets/a/issues?type=odd_size',
      '/datasets/a/issues?type=grayscale',
      '/datasets/a/search',
      '/datasets/a/search?anchor=m1',
      '/datasets/a/search?anchor=u1&type=UPLOAD',
      '/datasets/a/media/m%201',
    ];
    for (const url of urls) {
      const u = new URL(url, 'http://x');
      expect(hrefOf(parseRoute(u.pathname, u.search)), url).toBe(url);
    }
  });

  it('falls back to the defaults for settings out of range', () => {
    expect(parseRoute('/datasets/a/duplicates', '?level=0.5')).toMatchObject({ view: { level: 0.96 } });
    expect(parseRoute('/datasets/a/duplicates', '?level=1')).toMatchObject({ view: { level: 1 } });
    expect(parseRoute('/datasets/a/clusters', '?g=7')).toMatchObject({ view: { granularity: 0 } });
    expect(parseRoute('/datasets/a/issues', '?type=nope&min=3')).toMatchObject({ view: { issue: 'blur', min: 0.5 } });
    expect(parseRoute('/datasets/a/issues', '?min=0')).toMatchObject({ view: { min: 0 } });
    // Duplicates have their own tab.
    expect(parseRoute('/datasets/a/issues', '?type=duplicates')).toMatchObject({ view: { issue: 'blur' } });
  });

  it('lists every image at /media and shows one at /media/{id}', () => {
    expect(parseRoute('/datasets/a/media', '')).toEqual<Route>({ page: 'dataset', id: 'a', view: { tab: 'all-media' } });
    expect(parseRoute('/datasets/a/media/', '')).toEqual<Route>({ page: 'dataset', id: 'a', view: { tab: 'all-media' } });
    expect(parseRoute('/datasets/a/media/m1', '')).toEqual<Route>({ page: 'dataset', id: 'a', view: { tab: 'media', mediaId: 'm1' } });
    expect(hrefOf(datasetTab('a', 'all-media'))).toBe('/datasets/a/media');
    expect(tabOf({ tab: 'all-media' })).toBe('all-media');
  });

  it('never sends a login anywhere but a path of this site', () => {
    for (const next of ['https://evil.example/', '//evil.example/x', 'javascript:alert(1)']) {
      expect(parseRoute('/login', `?next=${encodeURIComponent(next)}`)).toEqual<Route>({ page: 'login', next: '/' });
    }
  });

  it('answers not-found for unknown paths and tabs', () => {
    expect(parseRoute('/nope', '').page).toBe('not-found');
    expect(parseRoute('/datasets/a/nope', '').page).toBe('not-found');
    expect(parseRoute('/datasets/a/media/m1/x', '').page).toBe('not-found');
    expect(parseRoute('/datasets/a/clusters/1/2', '').page).toBe('not-found');
  });
});
