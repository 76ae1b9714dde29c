import { rankedScores, type RankedScore } from '../../../src/client/index.ts';

/**
 * Every view has a URL: the route is read from the location and written back to it, so a view
 * can be shared, reloaded and reached with the back button.
 */
export const duplicateLevels = [0.96, 0.97, 0.98, 0.985, 0.99, 0.995, 0.999, 1] as const;
/** What the Issues tab ranks by: the API's list, less duplicates (which have their own tab). */
export type IssueKind = Exclude<RankedScore, 'duplicates'>;
export const issueKinds: readonly IssueKind[] = rankedScores.filter((s): s is IssueKind => s !== 'duplicates');

export type View =
  | { tab: 'overview' }
  /** Every image and video frame of the dataset, in the media listing's stable order. */
  | { tab: 'all-media' }
  | { tab: 'duplicates'; level: number }
  | { tab: 'clusters'; granularity: number }
  | { tab: 'cluster'; clusterId: string }
  | { tab: 'issues'; issue: IssueKind; min: number }
  | { tab: 'search'; anchor: string | null; anchorType: 'MEDIA' | 'UPLOAD' }
  | { tab: 'media'; mediaId: string };

export type Tab = 'overview' | 'all-media' | 'duplicates' | 'clusters' | 'issues' | 'search';

export type Route =
  | { page: 'login'; next: string }
  | { page: 'datasets' }
  | { page: 'keys' }
  /** Every task, or one dataset's (`/tasks?dataset=…`). */
  | { page: 'tasks'; datasetId: string | null }
  | { page: 'dataset'; id: string; view: View }
  | { page: 'not-found' };

/** The Duplicates tab's level and the Issues tab's confidence when the URL names none. */
export const DEFAULT_LEVEL = 0.96;
export const DEFAULT_MIN = 0.5;

/** The view of a tab with every setting at its default. */
export function defaultView(tab: Tab): View {
  switch (tab) {
    case 'overview':
    case 'all-media':
      return { tab };
    case 'duplicates':
      return { tab, level: DEFAULT_LEVEL };
    case 'clusters':
      return { tab, granularity: 0 };
    case 'issues':
      return { tab, issue: 'blur', min: DEFAULT_MIN };
    case 'search':
      return { tab, anchor: null, anchorType: 'MEDIA' };
  }
}

export const datasetTab = (id: string, tab: Tab): Route => ({ page: 'dataset', id, view: defaultView(tab) });

/** The sidebar tab a view belongs to. */
export function tabOf(view: View): Tab | null {
  if (view.tab === 'cluster') return 'clusters';
  if (view.tab === 'media') return null;
  return view.tab;
}

function numberIn(raw: string | null, allowed: (n: number) => boolean, fallback: number): number {
  const n = Number(raw);
  return raw !== null && raw !== '' && allowed(n) ? n : fallback;
}

function viewOf(rest: string[], q: URLSearchParams): View | null {
  const [tab, arg, ...extra] = rest;
  if (extra.length > 0) return null;
  if (tab === undefined) return { tab: 'overview' };
  // `/media` lists them all, `/media/{id}` is one of them.
  if (tab === 'media' && arg === undefined) return { tab: 'all-media' };
  if (tab === 'duplicates' && arg === undefined) return { tab, level: numberIn(q.get('level'), (n) => (duplicateLevels as readonly number[]).includes(n), DEFAULT_LEVEL) };
  if (tab === 'clusters' && arg === undefined) return { tab, granularity: numberIn(q.get('g'), (n) => Number.isInteger(n) && n >= 0 && n <= 4, 0) };
  if (tab === 'clusters') return { tab: 'cluster', clusterId: arg! };
  if (tab === 'issues' && arg === undefined) {
    const issue = q.get('type') as IssueKind | null;
    return { tab, issue: issue !== null && issueKinds.includes(issue) ? issue : 'blur', min: numberIn(q.get('min'), (n) => n >= 0 && n <= 1, DEFAULT_MIN) };
  }
  if (tab === 'search' && arg === undefined) return { tab, anchor: q.get('anchor'), anchorType: q.get('type') === 'UPLOAD' ? 'UPLOAD' : 'MEDIA' };
  if (tab === 'media' && arg !== undefined) return { tab, mediaId: arg };
  return null;
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
  if (parts[0] === 'keys' && parts.length === 1) return { page: 'keys' };
  if (parts[0] === 'tasks' && parts.length === 1) return { page: 'tasks', datasetId: q.get('dataset') || null };
  if (parts[0] === 'datasets' && parts.length >= 2) {
    const view = viewOf(parts.slice(2), q);
    return view === null ? { page: 'not-found' } : { page: 'dataset', id: parts[1]!, view };
  }
  return { page: 'not-found' };
}

function query(params: Record<string, string | number | null>): string {
  const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== null);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}

function viewPath(view: View): string {
  const e = encodeURIComponent;
  switch (view.tab) {
    case 'overview':
      return '';
    case 'all-media':
      return '/media';
    case 'duplicates':
      return `/duplicates${query({ level: view.level === DEFAULT_LEVEL ? null : view.level })}`;
    case 'clusters':
      return `/clusters${query({ g: view.granularity === 0 ? null : view.granularity })}`;
    case 'cluster':
      return `/clusters/${e(view.clusterId)}`;
    case 'issues':
      return `/issues${query({ type: view.issue === 'blur' ? null : view.issue, min: view.min === DEFAULT_MIN ? null : view.min })}`;
    case 'search':
      return `/search${query({ anchor: view.anchor, type: view.anchor === null || view.anchorType === 'MEDIA' ? null : view.anchorType })}`;
    case 'media':
      return `/media/${e(view.mediaId)}`;
  }
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'login':
      return route.next === '/' ? '/login' : `/login?next=${encodeURIComponent(route.next)}`;
    case 'datasets':
    case 'not-found':
      return '/';
    case 'keys':
      return '/keys';
    case 'tasks':
      return `/tasks${query({ dataset: route.datasetId })}`;
    case 'dataset':
      return `/datasets/${encodeURIComponent(route.id)}${viewPath(route.view)}`;
  }
}
