/**
 * Every call the UI makes to the Strata API, in one place. The browser's SESSION cookie
 * authenticates them all (same origin), including thumbnails and the event streams.
 */

export interface Processing {
  operation: string;
  status: string;
  stage: string;
  done: number;
  total: number | null;
  failed: number;
  eta_seconds: number | null;
}

export interface Dataset {
  id: string;
  display_name: string;
  description: string;
  source_type: string;
  owned_by: string;
  created_at: string;
  status_new: 'DRAFT' | 'INDEXING' | 'READ ONLY' | 'PARTIAL INDEX' | 'READY' | 'ERROR';
  progress: number;
  n_images: number;
  n_videos: number;
  fatal_error_msg: string | null;
  processing?: Processing;
}

export interface Failure {
  file_name: string;
  original_uri: string;
  stage: string;
  reason: string;
}

export interface GroupMedia {
  media_id: string;
  file_name: string;
  media_thumb_uri: string;
  width: number | null;
  height: number | null;
  file_size: number | null;
}

export interface DuplicateGroup {
  group_id: number;
  level: number;
  size: number;
  media: GroupMedia[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The API's `{"detail": …}` as one readable line. */
function detailOf(body: unknown, status: number): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) return detail.map((d) => (d as { msg?: string }).msg ?? JSON.stringify(d)).join('; ');
  return `HTTP ${status}`;
}

async function call<T>(method: string, path: string, body?: BodyInit | object): Promise<T> {
  const isJson = body !== undefined && !(body instanceof FormData) && typeof body === 'object' && !(body instanceof Blob);
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: isJson ? { 'content-type': 'application/json' } : {},
    body: isJson ? JSON.stringify(body) : (body as BodyInit | undefined),
  });
  const text = await res.text();
  const parsed: unknown = text === '' ? null : JSON.parse(text);
  if (!res.ok) throw failure(res.status, parsed, path);
  return parsed as T;
}

/** The error for a refused call; a 401 outside login also tells the app the session is gone. */
function failure(status: number, body: unknown, path: string): ApiError {
  if (status === 401 && path !== '/api/v1/auth') window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  return new ApiError(status, detailOf(body, status));
}

export const UNAUTHORIZED_EVENT = 'strata:unauthorized';

const enc = encodeURIComponent;

export const api = {
  login: (username: string, password: string) => call<{ email: string; role: string }>('POST', '/api/v1/auth', { username, password }),
  logout: () => call<unknown>('POST', '/api/v1/logout'),

  datasets: () => call<Dataset[]>('GET', '/api/v1/datasets?sort_by=date'),
  dataset: (id: string) => call<Dataset>('GET', `/api/v1/dataset/${enc(id)}`),
  createDataset: (name: string, bucketPath: string) => call<{ dataset_id: string }>('POST', '/api/v1/dataset', { dataset_name: name, bucket_path: bucketPath }),
  failures: (id: string, offset: number, limit: number) => callWithTotal<Failure[]>(`/api/v1/dataset/${enc(id)}/errors?offset=${offset}&limit=${limit}`),

  duplicates: (id: string, threshold: number, page: number, pageSize: number) =>
    call<{ groups: DuplicateGroup[]; total: number; level: number }>('GET', `/api/v1/dataset/${enc(id)}/duplicates?threshold=${threshold}&page_number=${page}&page_size=${pageSize}`),

  /** Status events of a dataset; returns the function that stops listening. */
  follow(id: string, onStatus: (d: Dataset) => void, onDeleted: () => void): () => void {
    const source = new EventSource(`/api/v1/dataset/${enc(id)}/events`);
    source.addEventListener('status', (e) => onStatus(JSON.parse((e as MessageEvent<string>).data) as Dataset));
    source.addEventListener('deleted', () => {
      source.close();
      onDeleted();
    });
    return () => source.close();
  },
};

async function callWithTotal<T>(path: string): Promise<{ items: T; total: number }> {
  const res = await fetch(path, { credentials: 'same-origin' });
  const parsed: unknown = await res.json();
  if (!res.ok) throw failure(res.status, parsed, path);
  return { items: parsed as T, total: Number(res.headers.get('x-total-count') ?? 0) };
}
