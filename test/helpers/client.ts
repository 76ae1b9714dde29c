import { createHmac } from 'node:crypto';

/** A JWT exactly as Visual Layer's Python example builds it (PyJWT, HS256, kid = api key). */
export function makeJwt(apiKey: string, apiSecret: string, opts: { lifetimeSeconds?: number; header?: Record<string, unknown>; payload?: Record<string, unknown> } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'HS256', typ: 'JWT', kid: apiKey, ...opts.header };
  const payload = { sub: apiKey, iat: now, exp: now + (opts.lifetimeSeconds ?? 600), iss: 'sdk', ...opts.payload };
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const signingInput = `${b64(header)}.${b64(payload)}`;
  return `${signingInput}.${createHmac('sha256', apiSecret).update(signingInput).digest('base64url')}`;
}

export interface Credentials {
  apiKey: string;
  apiSecret: string;
  token: string;
}

/** Logs in with email/password and creates an API key pair, as a user would. */
export async function credentialsFor(baseUrl: string, email: string, password: string): Promise<Credentials> {
  const login = await fetch(`${baseUrl}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: email, password }) });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const res = await fetch(`${baseUrl}/api/v1/api_credentials`, { headers: { cookie } });
  const body = (await res.json()) as { api_key: string; api_secret: string };
  return { apiKey: body.api_key, apiSecret: body.api_secret, token: makeJwt(body.api_key, body.api_secret) };
}

export async function getJson(baseUrl: string, path: string, token: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text), headers: res.headers };
}

/** Follows a dataset's event stream, handing each status event to `onEvent` until it returns true. */
export async function followDatasetEvents(baseUrl: string, token: string, datasetId: string, onEvent: (dataset: any) => boolean, timeoutMs = 120_000): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    // No token: a server in STRATA_AUTH=none mode, asked as a script for an on-prem install would.
    const res = await fetch(`${baseUrl}/api/v1/dataset/${datasetId}/events`, { headers: token === '' ? {} : { authorization: `Bearer ${token}` }, signal: ac.signal });
    if (res.status !== 200) throw new Error(`events: ${res.status} ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let sep;
      while ((sep = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!block.includes('event: status') || !data) continue;
        if (onEvent(JSON.parse(data.slice(6)))) return;
      }
    }
    throw new Error('event stream ended before the condition was met');
  } catch (err) {
    if (ac.signal.aborted) throw new Error(`dataset ${datasetId}: condition not met within ${timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

/**
 * Waits for a dataset to reach one of `statuses` by following its event stream (no sleeps);
 * returns the dataset JSON and every status event seen on the way.
 */
export async function waitForDatasetStatus(
  baseUrl: string,
  token: string,
  datasetId: string,
  statuses: readonly string[],
  timeoutMs = 120_000,
): Promise<{ dataset: any; events: any[] }> {
  const events: any[] = [];
  await followDatasetEvents(baseUrl, token, datasetId, (d) => events.push(d) > 0 && statuses.includes(d.status_new), timeoutMs);
  return { dataset: events.at(-1), events };
}

/** POST /api/v1/dataset from a folder, file:// URI, manifest or s3:// prefix; returns its id. */
export async function createDatasetFrom(baseUrl: string, token: string, name: string, bucketPath: string): Promise<string> {
  const form = new FormData();
  form.set('dataset_name', name);
  form.set('bucket_path', bucketPath);
  const res = await fetch(`${baseUrl}/api/v1/dataset`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  if (res.status !== 200) throw new Error(`creating ${name}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { dataset_id: string }).dataset_id;
}

/**
 * Follows the dataset's events until at least `share` of its units are done while INDEXING
 * (the moment a crash test kills something), pushing every event into `seen`; fails if indexing
 * ends first, since the test would then no longer interrupt it.
 */
export async function waitUntilIndexing(baseUrl: string, token: string, datasetId: string, share: number, seen: any[]): Promise<void> {
  await followDatasetEvents(baseUrl, token, datasetId, (ds) => {
    seen.push(ds);
    if (ds.status_new !== 'DRAFT' && ds.status_new !== 'INDEXING') {
      throw new Error(`indexing ended (${ds.status_new}) before it could be interrupted: ${JSON.stringify(ds)}`);
    }
    const p = ds.processing;
    if (ds.status_new !== 'INDEXING' || !p || p.total === null) return false;
    return p.done >= Math.ceil(share * p.total);
  });
}
