import type { FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.ts';
import { multipartParts } from './multipart.ts';

/** Text fields of a form, whether sent as multipart, urlencoded or JSON. Files are refused. */
export async function formFields(req: FastifyRequest): Promise<Record<string, string>> {
  if (!req.isMultipart()) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }
  const fields: Record<string, string> = {};
  for await (const part of multipartParts(req)) {
    if (part.type === 'file') {
      part.file.resume();
      continue;
    }
    if (typeof part.value === 'string') fields[part.fieldname] = part.value;
  }
  if (Object.values(fields).some((v) => v.includes('\u0000'))) throw new DomainError('BAD_REQUEST', 'NUL characters are not allowed in form fields');
  return fields;
}
