/**
 * Every view has a URL: the route is read from the location and written back to it, so a view
 * can be shared, reloaded and reached with the back button.
 */
export type Tab = 'overview' | 'duplicates';
export const tabs: readonly Tab[] = ['overview', 'duplicates'];

export type Route =
  | { page: 'login'; next: string }
  | { page: 'datasets' }
  | { page: 'dataset'; id: string; tab: Tab; level: number }
  | { page: 'not-found' };

export const duplicateLevels = [0.96, 0.97, 0.98, 0.985, 0.99, 0.995, 0.999, 1] as const;
const DEFAULT_LEVEL = 0.96;

function levelOf(raw: string | null): number {
  const n = Number(raw);
  return raw !== null && (duplicateLevels as readonly number[]).includes(n) ? n : DEFAULT_LEVEL;
}

export function parseRoute(pathname: string, search: string): Route {
  const q = new URLSearchParams(search);
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts.length === 0) return { page: 'datasets' };
  if (parts[0] === 'login' && parts.length === 1) {
    const next = q.get('next');
    // Only a path on this site: never an open redirect.
    return { page: 'login', next: next !== null && next.startsWith('/') && !next.startsWith('//') ? next : '/' };
  }
  if (parts[0] === 'datasets' && parts.length >= 2 && parts.length <= 3) {
    const tab = (parts[2] ?? 'overview') as Tab;
    if (!tabs.includes(tab)) return { page: 'not-found' };
    return { page: 'dataset', id: parts[1]!, tab, level: levelOf(q.get('level')) };
  }
  return { page: 'not-found' };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'login':
      return route.next === '/' ? '/login' : `/login?next=${encodeURIComponent(route.next)}`;
    case 'datasets':
      return '/';
    case 'dataset': {
      const base = `/datasets/${encodeURIComponent(route.id)}`;
      if (route.tab === 'overview') return base;
      if (route.tab === 'duplicates') return `${base}/duplicates${route.level === DEFAULT_LEVEL ? '' : `?level=${route.level}`}`;
      return `${base}/${route.tab}`;
    }
    case 'not-found':
      return '/';
  }
}

/** The dataset route for a tab, with every other setting at its default. */
export const datasetTab = (id: string, tab: Tab): Route => ({ page: 'dataset', id, tab, level: DEFAULT_LEVEL });
