/**
 * A request the API refused or could not answer: `status` is the HTTP status, `detail` the
 * body's `detail` as sent (a message, or a list of problems for schema and VQL errors); when no
 * answer came, `status` is 0 and `detail` says from where and why.
 */
export class StrataApiError extends Error {
  override readonly name = 'StrataApiError';
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly method: string,
    readonly path: string,
    readonly requestId: string | null = null,
  ) {
    super(`${method} ${path}: ${status === 0 ? '' : `${status} `}${describeDetail(detail)}`.trim());
  }
}

/**
 * The error of a request that got no answer from `origin`. Node's fetch says only "fetch failed"
 * and keeps the reason (ECONNREFUSED, a DNS failure) as its cause, which the message carries.
 */
export function noAnswerError(err: unknown, origin: string, method: string, path: string): StrataApiError {
  const why = !(err instanceof Error) ? String(err) : err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
  return new StrataApiError(0, `no answer from ${origin || 'the server'} (${why})`, method, path);
}

/**
 * A server message without its pointers to API endpoints, "(see GET /api/v1/…)" or "(POST
 * /api/v1/…)": for those who read it where the endpoint is not the place to look (the pages,
 * a finished `strata scan`).
 */
export const withoutApiHint = (message: string) => message.replace(/ \((?:see )?(?:GET|POST|PUT|PATCH|DELETE) \/api\/[^)]*\)/g, '');

/** One line for a `detail`: the message itself, or the problems' messages joined. */
export function describeDetail(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => (typeof d === 'object' && d !== null && 'msg' in d ? describeProblem(d as { msg: unknown; loc?: unknown }) : JSON.stringify(d))).join('; ');
  }
  return detail === undefined || detail === null ? '' : JSON.stringify(detail);
}

function describeProblem(p: { msg: unknown; loc?: unknown }): string {
  return Array.isArray(p.loc) ? `${p.loc.join('.')}: ${String(p.msg)}` : String(p.msg);
}

/** Builds the error for a response that is not a success, reading its JSON body if it has one. */
export async function errorFromResponse(res: Response, method: string, path: string): Promise<StrataApiError> {
  const text = await res.text().catch(() => '');
  let detail: unknown = text;
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    if (typeof body === 'object' && body !== null && 'detail' in body) detail = body.detail;
  } catch {
    // Not JSON (a proxy's page, say): the text is the best detail there is.
  }
  return new StrataApiError(res.status, detail, method, path, res.headers.get('x-request-id'));
}
