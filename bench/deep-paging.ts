import { fmt, table } from './lib.ts';

const REPEATS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median ms of REPEATS GETs of `path` (after one unmeasured). */
async function latency(url: string, token: string, path: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    if (i > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

/** First and last page of each paged endpoint the UI reads, at the page sizes given. */
export async function deepPaging(url: string, token: string, id: string, n: number, groups: number, clusters: number): Promise<void> {
  const rows: string[][] = [['endpoint', 'page size', 'first page (ms)', 'last page', 'last page (ms)']];
  const endpoints: Array<[string, number, number, (page: number) => string]> = [
    ['GET …/media (listing)', 25, n, (p) => `/api/v1/dataset/${id}/media?page_number=${p}&page_size=25`],
    ['GET …/media?issue=uniqueness', 200, n, (p) => `/api/v1/dataset/${id}/media?issue=uniqueness&min_confidence=0&page_number=${p}&page_size=200`],
    ['GET …/duplicates', 20, groups, (p) => `/api/v1/dataset/${id}/duplicates?threshold=0.96&page_number=${p}&page_size=20`],
    ['GET /explore (clusters)', 100, clusters, (p) => `/api/v1/explore/${id}?threshold=0&page_number=${p}`],
    // The Overview's failures (none here: the page and its count are what it costs).
    ['GET …/errors (failures)', 50, 1, (p) => `/api/v1/dataset/${id}/errors?offset=${p * 50}&limit=50`],
  ];
  for (const [name, size, count, path] of endpoints) {
    const last = Math.ceil(count / size) - 1;
    rows.push([name, String(size), fmt(await latency(url, token, path(0)), 0), fmt(last, 0), fmt(await latency(url, token, path(last)), 0)]);
  }
  console.log(`
API latency, first page against last page (median of ${REPEATS})`);
  console.log(table(rows));
}

