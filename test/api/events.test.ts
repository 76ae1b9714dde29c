import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';

describe('status event streams', () => {
  it('end when the server stops, so a stop is never held up by listeners', async () => {
    const t = await startTestServer();
    const ds = (await fetch(`${t.url}/api/v1/ingestion/new_dataset?dataset_name=x`, { headers: { authorization: `Bearer ${t.admin.token}` } }).then((r) => r.json())) as { dataset_id: string };
    const listeners = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${t.url}/api/v1/dataset/${ds.dataset_id}/events`, { headers: { authorization: `Bearer ${t.admin.token}` } })),
    );
    const readers = listeners.map((r) => r.body!.getReader());
    for (const reader of readers) {
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toMatch(/^id: \d+\nevent: status\ndata: \{.*"status_new":"DRAFT"/);
    }
    await t.close();
    for (const reader of readers) expect((await reader.read()).done).toBe(true);
  });

  it('answer at once: HEAD with the headers alone, a current Last-Event-ID with the headers before any event', async () => {
    const t = await startTestServer();
    try {
      const auth = { authorization: `Bearer ${t.admin.token}` };
      const ds = (await fetch(`${t.url}/api/v1/ingestion/new_dataset?dataset_name=x`, { headers: auth }).then((r) => r.json())) as { dataset_id: string };
      const url = `${t.url}/api/v1/dataset/${ds.dataset_id}/events`;
      // Well under the 15 s keep-alive, which was the first thing such a client received.
      const head = await fetch(url, { method: 'HEAD', headers: auth, signal: AbortSignal.timeout(5000) });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const first = await fetch(url, { headers: auth });
      const firstReader = first.body!.getReader();
      const revision = /^id: (\d+)/.exec(new TextDecoder().decode((await firstReader.read()).value))![1]!;
      const current = await fetch(url, { headers: { ...auth, 'last-event-id': revision }, signal: AbortSignal.timeout(5000) });
      expect(current.status).toBe(200);
      expect(current.headers.get('content-type')).toMatch(/^text\/event-stream/);
      await current.body!.cancel();
      await firstReader.cancel();
    } finally {
      await t.close();
    }
  });
});
