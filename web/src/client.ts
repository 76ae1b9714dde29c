import { endpoints, StrataClient } from '../../src/client/index.ts';

/**
 * The UI's one way to the API: the typed client, authenticated by the browser's SESSION cookie
 * (same origin). Every call goes through `sessionFetch`, which tells the app when the session
 * is gone.
 */

export const UNAUTHORIZED_EVENT = 'strata:unauthorized';

/** fetch, but a 401 outside login also announces that the session is over (the app logs in again). */
function sessionFetch(base: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await base(input, init);
    if (res.status === 401 && !String(input).endsWith(endpoints.login.path)) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    return res;
  };
}

const clientWith = (base: typeof fetch) => new StrataClient({ baseUrl: '', auth: { session: true }, fetch: sessionFetch(base) });

export const client = clientWith((input, init) => fetch(input, init));

/** A client whose uploads report the bytes sent so far (fetch cannot, in browsers). */
export const uploadingClient = (onProgress: (loaded: number) => void) => clientWith(fetchWithUploadProgress(onProgress));

/**
 * A fetch built on XMLHttpRequest, the one browser API that reports upload progress; it
 * answers a plain Response, so the client reads it as it reads any other.
 */
function fetchWithUploadProgress(onProgress: (loaded: number) => void): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(init.method ?? 'GET', String(input));
      xhr.withCredentials = init.credentials === 'include';
      xhr.responseType = 'blob';
      new Headers(init.headers).forEach((value, name) => xhr.setRequestHeader(name, value));
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => {
        const headers = new Headers();
        for (const line of xhr.getAllResponseHeaders().trim().split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
        const empty = xhr.status === 204 || xhr.status === 304;
        resolve(new Response(empty ? null : (xhr.response as Blob), { status: xhr.status, statusText: xhr.statusText, headers }));
      };
      xhr.onerror = () => reject(new TypeError('Network error'));
      xhr.onabort = () => reject(new DOMException('The upload was stopped', 'AbortError'));
      init.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send((init.body ?? null) as XMLHttpRequestBodyInit | null);
    });
}

/** Where a thumbnail is served: an <img> sends the session cookie with it. */
export const thumbnailUrl = (datasetId: string, mediaId: string) => client.urlOf('mediaThumbnail', { dataset_id: datasetId, media_id: mediaId });

export type { Cluster, Dataset, DuplicateGroup, ItemFailure, Media, MediaDetail, RankedScore, Task } from '../../src/client/index.ts';
export type GroupMedia = import('../../src/client/index.ts').DuplicateGroup['media'][number];
