import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError, type ErrorCode } from '../domain/errors.ts';
import { VqlError } from '../domain/vql.ts';
import { isStorageFull, STORAGE_FULL_MESSAGE } from '../lib/storage-full.ts';
import { validationProblems } from './validation-errors.ts';

/** The one table from domain error codes to HTTP statuses. */
export const statusOfCode: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
};

/** Multipart and body-parser errors that are the client's doing, with their status. */
const clientErrors: Record<string, number> = {
  FST_REQ_FILE_TOO_LARGE: 413,
  FST_FILES_LIMIT: 413,
  FST_PARTS_LIMIT: 413,
  FST_FIELDS_LIMIT: 413,
  FST_ERR_CTP_BODY_TOO_LARGE: 413,
  FST_INVALID_MULTIPART_CONTENT_TYPE: 400,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 415,
  FST_ERR_CTP_EMPTY_JSON_BODY: 400,
  FST_ERR_CTP_INVALID_JSON_BODY: 400,
};

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof DomainError) {
      return reply.status(statusOfCode[err.code]).send({ detail: err.message, request_id: req.id });
    }
    if (err instanceof VqlError) {
      return reply.status(422).send({ detail: err.problems, request_id: req.id });
    }
    if (err.validation) {
      return reply.status(422).send({ detail: validationProblems(err, req), request_id: req.id });
    }
    if (isStorageFull(err)) {
      // Not a bug and not the client's doing: 507 tells it to retry once space is freed.
      req.log.warn({ err }, 'request failed: storage full');
      return reply.status(507).send({ detail: STORAGE_FULL_MESSAGE, request_id: req.id });
    }
    const known = err.code !== undefined ? clientErrors[err.code] : undefined;
    const status = known ?? (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500);
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      // Never leak internals: the request id lets an operator find the log line.
      return reply.status(500).send({ detail: 'Internal server error', request_id: req.id });
    }
    return reply.status(status).send({ detail: err.message, request_id: req.id });
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ detail: 'Not Found', request_id: req.id });
  });
}
