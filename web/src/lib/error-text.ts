import { describeDetail, StrataApiError } from '../../../src/client/index.ts';

/** A failure as one readable line for the page: the API's `detail` when it sent one. */
export function errorText(err: unknown): string {
  if (err instanceof StrataApiError) return err.status === 0 ? 'The server did not answer' : describeDetail(err.detail) || `HTTP ${err.status}`;
  return err instanceof Error ? err.message : String(err);
}

