import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/app/accounts.ts';
import { credentialsFor, getJson, type Credentials } from '../helpers/client.ts';
import { ADMIN, startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Sharing as Visual Layer's docs write it: the older POST /dataset/{id}/share with the form
 * field user_email (`curl -F user_email=…`), the newer PUT /manage/{id}/invite with JSON
 * grant_to_user_email (200, null body) and GET /manage/{id}/share ([{email, role}]), and
 * taking access back.
 */
let t: TestServer;
let owner: Credentials;
let viewer: Credentials;
let editor: Credentials;
let id: string;

const users = { owner: 'share-owner@example.com', viewer: 'share-viewer@example.com', editor: 'share-editor@example.com' };

beforeAll(async () => {
  t = await startTestServer();
  for (const [name, email] of Object.entries(users)) await addUser(t.server.ctx.accounts, { email, password: `${name}-password-1`, role: name === 'viewer' ? 'viewer' : 'editor' });
  owner = await credentialsFor(t.url, users.owner, 'owner-password-1');
  viewer = await credentialsFor(t.url, users.viewer, 'viewer-password-1');
  editor = await credentialsFor(t.url, users.editor, 'editor-password-1');
  id = (await getJson(t.url, '/api/v1/ingestion/new_dataset?dataset_name=Shared', owner.token)).body.dataset_id;
});
afterAll(async () => t?.close());

const auth = (c: Credentials) => ({ authorization: `Bearer ${c.token}` });
const sees = async (c: Credentials) => (await getJson(t.url, `/api/v1/dataset/${id}`, c.token)).status;
const members = async (c = owner) => getJson(t.url, `/api/v1/manage/${id}/share`, c.token);

describe('sharing a dataset', () => {
  it('shares with the form field user_email, sent as multipart like curl -F', async () => {
    expect(await sees(viewer)).toBe(404);
    const form = new FormData();
    form.set('user_email', users.viewer);
    const res = await fetch(`${t.url}/api/v1/dataset/${id}/share`, { method: 'POST', headers: auth(owner), body: form });
    expect(res.status).toBe(200);
    expect(await sees(viewer)).toBe(200);
  });

  it('names a missing user_email as FastAPI does, and answers 404 for an unknown user', async () => {
    const res = await fetch(`${t.url}/api/v1/dataset/${id}/share`, { method: 'POST', headers: { ...auth(owner), 'content-type': 'application/x-www-form-urlencoded' }, body: 'email_address=x' });
    expect(res.status).toBe(422);
    expect((await res.json()).detail).toEqual([{ type: 'missing', loc: ['body', 'user_email'], msg: 'Field required', input: null }]);
    const unknown = await fetch(`${t.url}/api/v1/dataset/${id}/share`, { method: 'POST', headers: { ...auth(owner), 'content-type': 'application/x-www-form-urlencoded' }, body: 'user_email=nobody%40example.com' });
    expect(unknown.status).toBe(404);
  });

  it('invites with PUT /manage/{id}/invite and JSON grant_to_user_email: 200 with a null body', async () => {
    const invite = (c: Credentials, body: unknown) => fetch(`${t.url}/api/v1/manage/${id}/invite`, { method: 'PUT', headers: { ...auth(c), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await invite(owner, { grant_to_user_email: users.editor });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('null');
    expect(await sees(editor)).toBe(200);
    expect((await invite(owner, { grant_to_user_email: 'nobody@example.com' })).status).toBe(404);
    expect((await (await invite(owner, {})).json()).detail).toEqual([{ type: 'missing', loc: ['body', 'grant_to_user_email'], msg: 'Field required', input: {} }]);
    // Only the owner (or an admin) decides who sees the dataset.
    expect((await invite(editor, { grant_to_user_email: users.viewer })).status).toBe(403);
  });

  it('lists the owner, then the users it is shared with, to anyone who may see it', async () => {
    const expected = [
      { email: users.owner, role: 'owner' },
      { email: users.editor, role: 'editor' },
      { email: users.viewer, role: 'viewer' },
    ];
    expect((await members()).body).toEqual(expected);
    expect((await members(viewer)).body).toEqual(expected);
    const stranger = await credentialsFor(t.url, ADMIN.email, ADMIN.password);
    expect((await members(stranger)).status).toBe(200); // an admin sees every dataset
    expect((await getJson(t.url, `/api/v1/manage/not-a-dataset/share`, owner.token)).status).toBe(404);
  });

  it('takes access back with DELETE /manage/{id}/share?user_email=, at once', async () => {
    const unshare = (c: Credentials, email: string) => fetch(`${t.url}/api/v1/manage/${id}/share?user_email=${encodeURIComponent(email)}`, { method: 'DELETE', headers: auth(c) });
    expect((await unshare(viewer, users.editor)).status).toBe(403);
    const res = await unshare(owner, users.viewer);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('null');
    expect(await sees(viewer)).toBe(404);
    expect((await members()).body.map((m: { email: string }) => m.email)).toEqual([users.owner, users.editor]);
    expect((await unshare(owner, users.viewer)).status).toBe(404);
    expect((await unshare(owner, users.owner)).status).toBe(409);
    expect(await sees(editor)).toBe(200);
  });
});
