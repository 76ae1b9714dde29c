/**
 * Errors raised below the HTTP layer. `http/` maps each code to a status and a
 * `{"detail": message}` body; nothing else in the code base knows about HTTP statuses.
 */
export const errorCodes = [
  'BAD_REQUEST', // the request is malformed or names something unusable (400)
  'UNAUTHORIZED', // no valid credentials (401)
  'FORBIDDEN', // valid caller, not allowed (403)
  'NOT_FOUND', // missing, or not visible to the caller (404)
  'CONFLICT', // not allowed in the current state (409)
  'PAYLOAD_TOO_LARGE', // request body over a configured limit (413)
  'UNPROCESSABLE', // well-formed but semantically invalid (422)
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
