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

export interface Issue {
  issue_type: string;
  confidence: number;
  reason: Record<string, unknown>;
}

/** A media item as the media and explore endpoints show it. */
export interface MediaItem {
  media_id: string;
  type: 'IMAGE' | 'VIDEO_FRAME';
  file_name: string;
  original_uri: string;
  media_uri: string;
  media_thumb_uri: string;
  width: number | null;
  height: number | null;
  format: string | null;
  file_size: number | null;
  uniqueness_score: number | null;
  issues: Issue[];
  relevance_score?: number;
}

export interface MediaDetail extends MediaItem {
  scores: Record<string, number | null>;
  clusters: string[] | null;
  exif: Record<string, unknown> | null;
  created_at: string;
}

export interface Cluster {
  cluster_id: string;
  n_images: number;
  n_frames: number;
  relevance_score: number | null;
  previews: MediaItem[];
}

/** What a media page lists: everything, one cluster, or the highest scores of an issue. */
export type MediaListing = { cluster: string } | { issue: string; min: number } | null;

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

  createApiKey: () => call<{ api_key: string; api_secret: string }>('GET', '/api/v1/api_credentials'),
  revokeApiKey: (key: string) => call<unknown>('DELETE', `/api/v1/api_credentials/${enc(key)}`),

  datasets: () => call<Dataset[]>('GET', '/api/v1/datasets?sort_by=date'),
  dataset: (id: string) => call<Dataset>('GET', `/api/v1/dataset/${enc(id)}`),
  createDataset: (name: string, bucketPath: string) => call<{ dataset_id: string }>('POST', '/api/v1/dataset', { dataset_name: name, bucket_path: bucketPath }),
  deleteDataset: (id: string) => call<unknown>('DELETE', `/api/v1/dataset/${enc(id)}`),
  shareDataset: (id: string, email: string) => call<unknown>('POST', `/api/v1/dataset/${enc(id)}/share`, { user_email: email }),

  /** The four-step upload: an empty dataset, a transaction, the files (any number of calls), processing. */
  newUploadDataset: (name: string) => call<{ dataset_id: string }>('GET', `/api/v1/ingestion/new_dataset?dataset_name=${enc(name)}`),
  openTransaction: (id: string) => call<{ trans_id: number }>('GET', `/api/v1/ingestion/${enc(id)}/data_files`),
  /** One file, with its upload progress (XMLHttpRequest: fetch reports none). */
  uploadFile(id: string, transId: number, file: File, onProgress: (loaded: number) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/api/v1/ingestion/${enc(id)}/data_files/${transId}`);
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => {
        if (xhr.status < 300) return resolve();
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          // not JSON: the status says enough
        }
        reject(failure(xhr.status, body, ''));
      };
      xhr.onerror = () => reject(new ApiError(0, 'Network error'));
      const form = new FormData();
      form.append('files', file, file.name);
      xhr.send(form);
    });
  },
  processFiles: (id: string, transId: number) => call<unknown>('POST', `/api/v1/ingestion/${enc(id)}/process_files/${transId}`),

  failures: (id: string, offset: number, limit: number) => callWithTotal<Failure[]>(`/api/v1/dataset/${enc(id)}/errors?offset=${offset}&limit=${limit}`),

  duplicates: (id: string, threshold: number, page: number, pageSize: number) =>
    call<{ groups: DuplicateGroup[]; total: number; level: number }>('GET', `/api/v1/dataset/${enc(id)}/duplicates?threshold=${threshold}&page_number=${page}&page_size=${pageSize}`),

  media(id: string, listing: MediaListing, page: number, pageSize: number) {
    const filter = listing === null ? '' : 'cluster' in listing ? `&cluster_id=${enc(listing.cluster)}` : `&issue=${enc(listing.issue)}&min_confidence=${listing.min}`;
    return call<{ media: MediaItem[]; total: number }>('GET', `/api/v1/dataset/${enc(id)}/media?page_number=${page}&page_size=${pageSize}${filter}`);
  },
  mediaDetail: (id: string, mediaId: string) => call<MediaDetail>('GET', `/api/v1/dataset/${enc(id)}/media/${enc(mediaId)}`),
  duplicateIds: (id: string, mediaId: string, threshold: number) => call<string[]>('GET', `/api/v1/dataset/${enc(id)}/media/${enc(mediaId)}/duplicates?threshold=${threshold}`),
  thumbUri: (id: string, mediaId: string) => `/api/v1/dataset/${enc(id)}/media/${enc(mediaId)}/thumbnail`,

  clusters: (id: string, granularity: number, page: number) =>
    call<{ clusters: Cluster[]; metadata: { total_clusters: number } }>('GET', `/api/v1/explore/${enc(id)}?threshold=${granularity}&page_number=${page}`),
  /** Nearest media to an anchor, closest first, 100 a page; each cluster holds one result. */
  similar: (id: string, anchor: string, anchorType: 'MEDIA' | 'UPLOAD', page: number) =>
    call<{ clusters: Cluster[]; metadata: { total_clusters: number } }>('GET', `/api/v1/explore/${enc(id)}?anchor_media_id=${enc(anchor)}&anchor_type=${anchorType}&page_number=${page}`),
  /** Embeds a query image (or the box [x, y, w, h] of it, in its pixels) and answers its anchor id. */
  searchAnchor(id: string, file: File, box: [number, number, number, number] | null) {
    const form = new FormData();
    if (box !== null) form.append('bounding_box', JSON.stringify(box));
    form.append('file', file);
    return call<{ anchor_media_id: string }>('POST', `/api/v1/dataset/${enc(id)}/search-image-similarity`, form);
  },

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
