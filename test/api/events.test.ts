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
});
