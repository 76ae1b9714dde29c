import { PassThrough, type Readable } from 'node:stream';
import type { Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.ts';

/** What the routes read of a part: a text field, or a file's name and bytes. */
export type Part = { type: 'field'; fieldname: string; value: unknown } | { type: 'file'; fieldname: string; filename: string; file: Readable };

/**
 * The parts of a multipart request, for routes that read them one by one. A body that does not
 * parse (a multipart content type without a boundary, a part cut off before its end) is the
 * client's error, but busboy reports it as a bare Error — thrown by the iterator, or emitted by
 * a file's stream while it is read — which would answer 500. Here both become 400. Errors that
 * already say what they are pass unchanged: size limits (fastify's FST_* codes, 413), Strata's
 * own refusals, and system errors (a disk fault stays a server error).
 */
export async function* multipartParts(req: FastifyRequest): AsyncGenerator<Part> {
  const parts = req.parts();
  let ended = false;
  try {
    for (;;) {
      let next: IteratorResult<Multipart>;
      try {
        next = await parts.next();
      } catch (err) {
        throw asClientError(err);
      }
      if (next.done) return void (ended = true);
      const part = next.value;
      if (part.type === 'field') {
        yield { type: 'field', fieldname: part.fieldname, value: part.value };
        continue;
      }
      yield { type: 'file', fieldname: part.fieldname, filename: decodedFileName(part.filename), file: relayed(part.file) };
    }
  } finally {
    // A route that stops before the end (a refused field, a malformed part) answers at once. The
    // rest of the body is then read and dropped, as Node does for a body nobody read; left in
    // the socket, it would keep the connection's next request from ever being answered.
    if (!ended) {
      req.raw.unpipe();
      req.raw.resume();
    }
  }
}

/**
 * Browsers and fetch's FormData (WHATWG's multipart/form-data encoding) send a file name's `"`,
 * CR and LF as `%22`, `%0D` and `%0A` and escape nothing else, so `a "b".jpg` arrived as
 * `a %22b%22.jpg`; read back, it keeps its name. (A name holding one of those three sequences
 * as such reads as the character: the encoding cannot tell them apart.)
 */
const encodedInNames: Record<string, string> = { '%22': '"', '%0D': '\r', '%0A': '\n' };
const decodedFileName = (name: string) => name.replace(/%22|%0D|%0A/g, (s) => encodedInNames[s]!);

/**
 * The file's bytes through a stream of our own, which fails with the mapped error (pipeline()
 * would pass busboy's on first). A part cut off at the end of the body is not always reported
 * as an error: when it is not the one being read, busboy emits the error to nobody and the
 * multipart plugin then destroys the stream, so a source closed before its end counts as cut
 * off too — otherwise its reader would wait forever. A file over the size limit ends like a
 * whole one (busboy cuts it and marks it `truncated`; the plugin fails only the next read of the
 * parts), so its reader would keep the first bytes: it fails here instead, with the 413. When the
 * reader stops early (a refused or oversized file), the rest of the file is still drained, or
 * busboy would never reach the next part.
 */
function relayed(source: Readable): Readable {
  const file = new PassThrough();
  // The error may come before the reader attaches: kept in `file.errored` for it, never an
  // uncaught event.
  file.on('error', () => {});
  const fail = (err: unknown) => file.destroy(asClientError(err) as Error);
  const cutOff = () => fail(source.errored ?? new Error('part cut off before its end'));
  if (source.destroyed && !source.readableEnded) {
    cutOff();
    return file;
  }
  source.on('error', fail);
  source.on('close', () => {
    if (!source.readableEnded) cutOff();
  });
  source.on('end', () => {
    if ((source as Readable & { truncated?: boolean }).truncated) fail(new DomainError('PAYLOAD_TOO_LARGE', 'request file too large'));
    else file.end();
  });
  file.on('close', () => {
    if (source.readableEnded) return;
    source.unpipe(file);
    source.resume();
  });
  return source.pipe(file, { end: false });
}

function asClientError(err: unknown): unknown {
  if (err instanceof DomainError) return err;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (code !== undefined || statusCode !== undefined) return err;
  return new DomainError('BAD_REQUEST', `Malformed multipart body: ${err instanceof Error ? err.message : String(err)}`);
}
