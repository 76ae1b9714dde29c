import { describeDetail, StrataApiError } from '../../../src/client/index.ts';

/** A failure as one readable line for the page: the API's `detail` when it sent one. */
export function errorText(err: unknown): string {
  if (err instanceof StrataApiError) return err.status === 0 ? 'The server did not answer' : describeDetail(err.detail) || `HTTP ${err.status}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A server message without its pointer to an API endpoint, "(see GET /api/v1/…)", which means
 * nothing to someone using the pages; they show the place to look instead.
 */
export const withoutApiHint = (message: string) => message.replace(/ \(see GET [^)]*\)/, '');
