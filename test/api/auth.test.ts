import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/app/accounts.ts';
import { credentialsFor, getJson, makeJwt } from '../helpers/client.ts';
import { startTestServer, type TestServer, ADMIN } from '../helpers/test-server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

const login = (username: string, password: string) =>
  fetch(`${t.url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

describe('sessions and API credentials', () => {
  it('refuses bad passwords and unknown users alike with 401 {detail}', async () => {
    for (const res of [await login(ADMIN.email, 'wrong-password'), await login('nobody@example.com', 'whatever-pw')]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ detail: 'Invalid username or password' });
    }
  });

  it('answers a login without password with a 422 in FastAPI shape', async () => {
    const res = await fetch(`${t.url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x' }) });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.detail).toEqual([{ type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: { username: 'x' } }]);
  });

  it('sets an HttpOnly SameSite=Lax SESSION cookie that creates key pairs once', async () => {
    const res = await login(ADMIN.email, ADMIN.password);
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^SESSION=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const creds = await fetch(`${t.url}/api/v1/api_credentials`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(creds.status).toBe(200);
    const body = await creds.json();
    expect(body.message).toBe("API key created. Write down the secret – it's only shown once!");
    expect(body.api_key).toMatch(/^\S{20,}$/);
    expect(body.api_secret).toMatch(/^\S{40,}$/);
    const list = await getJson(t.url, '/api/v1/datasets', makeJwt(body.api_key, body.api_secret));
    expect(list.status).toBe(200);
  });

  it('requires a caller for api_credentials', async () => {
    const res = await fetch(`${t.url}/api/v1/api_credentials`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ detail: expect.any(String) });
  });

  it('ends the session on logout', async () => {
    const res = await login(ADMIN.email, ADMIN.password);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${t.url}/api/v1/datasets`, { headers: { cookie } })).status).toBe(200);
    await fetch(`${t.url}/api/v1/logout`, { method: 'POST', headers: { cookie } });
    expect((await fetch(`${t.url}/api/v1/datasets`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('JWT verification over HTTP', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const attacks: Array<[string, () => string]> = [
    ['alg none', () => {
      const h = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid: t.admin.apiKey })).toString('base64url');
      const p = Buffer.from(JSON.stringify({ sub: t.admin.apiKey, iat: now(), exp: now() + 60 })).toString('base64url');
      return `${h}.${p}.`;
    }],
    ['wrong secret', () => makeJwt(t.admin.apiKey, 'not-the-secret')],
    ['unknown kid', () => makeJwt('no-such-key', t.admin.apiSecret)],
    ['expired', () => makeJwt(t.admin.apiKey, t.admin.apiSecret, { payload: { iat: now() - 7200, exp: now() - 3600 } })],
    ['sub differs from kid', () => makeJwt(t.admin.apiKey, t.admin.apiSecret, { payload: { sub: 'someone-else' } })],
    ['30-day lifetime', () => makeJwt(t.admin.apiKey, t.admin.apiSecret, { payload: { iat: now(), exp: now() + 30 * 86400 } })],
    ['HS512', () => makeJwt(t.admin.apiKey, t.admin.apiSecret, { header: { alg: 'HS512' } })],
    ['garbage', () => 'a.b.c'],
  ];

  for (const [name, token] of attacks) {
    it(`rejects ${name} with 401 {detail}`, async () => {
      const res = await getJson(t.url, '/api/v1/datasets', token());
      expect(res.status).toBe(401);
      expect(typeof res.body.detail).toBe('string');
    });
  }

  it('accepts the Visual Layer style token', async () => {
    expect((await getJson(t.url, '/api/v1/datasets', t.admin.token)).status).toBe(200);
  });

  it('rejects a non-Bearer Authorization header', async () => {
    const res = await fetch(`${t.url}/api/v1/datasets`, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(res.status).toBe(401);
  });

  it('stops accepting a key the moment it is revoked', async () => {
    const creds = await credentialsFor(t.url, ADMIN.email, ADMIN.password);
    expect((await getJson(t.url, '/api/v1/datasets', creds.token)).status).toBe(200);
    const res = await fetch(`${t.url}/api/v1/api_credentials/${creds.apiKey}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(res.status).toBe(200);
    expect((await getJson(t.url, '/api/v1/datasets', creds.token)).status).toBe(401);
  });

  it("lists the caller's working keys, never a secret nor another user's key", async () => {
    await addUser(t.server.ctx.accounts, { email: 'lister@example.com', password: 'lister-password', role: 'editor' });
    const mine = await credentialsFor(t.url, 'lister@example.com', 'lister-password');
    const second = await credentialsFor(t.url, 'lister@example.com', 'lister-password');
    const listed = await getJson(t.url, '/api/v1/api_keys', mine.token);
    expect(listed.status).toBe(200);
    expect(listed.body.map((k: { api_key: string }) => k.api_key)).toEqual([mine.apiKey, second.apiKey]);
    for (const key of listed.body) expect(Object.keys(key).sort()).toEqual(['api_key', 'created_at', 'last_used_at']);
    // `mine` has authenticated the listing; `second` has not been used.
    const used = listed.body[0].last_used_at as string;
    expect(Date.now() - Date.parse(`${used}Z`)).toBeLessThan(60_000);
    expect(listed.body[1].last_used_at).toBeNull();
    // Used again within the minute: the recorded time stays (no write per request).
    expect((await getJson(t.url, '/api/v1/api_keys', mine.token)).body[0].last_used_at).toBe(used);
    expect(JSON.stringify(listed.body)).not.toContain(mine.apiSecret);
    await fetch(`${t.url}/api/v1/api_credentials/${second.apiKey}`, { method: 'DELETE', headers: { authorization: `Bearer ${mine.token}` } });
    expect((await getJson(t.url, '/api/v1/api_keys', mine.token)).body.map((k: { api_key: string }) => k.api_key)).toEqual([mine.apiKey]);
    expect((await getJson(t.url, '/api/v1/api_keys', t.admin.token)).body.map((k: { api_key: string }) => k.api_key)).not.toContain(mine.apiKey);
  });
});

describe('roles and visibility', () => {
  it('gives viewers 403 on writes and 404 on datasets they may not see', async () => {
    await addUser(t.server.ctx.accounts, { email: 'viewer@example.com', password: 'viewer-password', role: 'viewer' });
    const viewer = await credentialsFor(t.url, 'viewer@example.com', 'viewer-password');
    const created = await getJson(t.url, '/api/v1/ingestion/new_dataset?dataset_name=private', t.admin.token);
    expect(created.status).toBe(200);
    const id = created.body.dataset_id;

    expect((await getJson(t.url, `/api/v1/dataset/${id}`, viewer.token)).status).toBe(404);
    expect((await getJson(t.url, '/api/v1/dataset/00000000-0000-0000-0000-000000000000', viewer.token)).body).toMatchObject({ detail: 'Dataset not found' });
    expect((await getJson(t.url, '/api/v1/ingestion/new_dataset?dataset_name=x', viewer.token)).status).toBe(403);

    const share = await fetch(`${t.url}/api/v1/dataset/${id}/share`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'viewer@example.com' }),
    });
    expect(share.status).toBe(200);
    expect((await getJson(t.url, `/api/v1/dataset/${id}`, viewer.token)).status).toBe(200);
    const del = await fetch(`${t.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${viewer.token}` } });
    expect(del.status).toBe(403);
    const list = await getJson(t.url, '/api/v1/datasets', viewer.token);
    expect(list.body.map((d: { id: string }) => d.id)).toEqual([id]);
  });
});
