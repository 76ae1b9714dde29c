import { getJson } from './client.ts';

/**
 * Polls export_status as a client does until the export has ended (COMPLETED or FAILED) and
 * returns its last status; throws when the status cannot be read, or the export has not ended
 * within `timeoutMs`.
 */
export async function waitForExport(baseUrl: string, token: string, datasetId: string, exportId: string, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await getJson(baseUrl, `/api/v1/dataset/${datasetId}/export_status?export_task_id=${exportId}`, token);
    if (status !== 200) throw new Error(`export_status of ${exportId}: ${status} ${JSON.stringify(body)}`);
    if (body.status === 'COMPLETED' || body.status === 'FAILED') return body;
    if (Date.now() > deadline) throw new Error(`export ${exportId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
