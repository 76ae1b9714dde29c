import { Type, type TSchema } from '@sinclair/typebox';
import { ErrorBody, refTo } from '../api/schemas.ts';
import { schemaError } from './validation-errors.ts';

/** Parameters shared by routes; bodies live in api/schemas.ts, shared with the typed client. */
export const DatasetIdParams = Type.Object({ dataset_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** A boolean query parameter as FastAPI reads one: Python's requests sends True as "True". */
export const BooleanQuery = Type.String({ maxLength: 5, description: 'true or false; also 1/0, yes/no, on/off, t/f, y/n, in any case' });

const truthy = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const falsy = new Set(['false', '0', 'no', 'off', 'f', 'n']);

/**
 * The value of a boolean query parameter (BooleanQuery) or form field, read as pydantic reads
 * one (undefined when absent); anything else is a 422, never a silent false.
 */
export function booleanField(name: string, raw: string | undefined, part: 'querystring' | 'body' = 'querystring'): boolean | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim().toLowerCase();
  if (truthy.has(value)) return true;
  if (falsy.has(value)) return false;
  throw schemaError(part, [{ keyword: 'type', instancePath: `/${name}`, params: { type: 'boolean' }, message: 'must be boolean', data: raw }]);
}

export const errorResponses = {
  401: refTo(ErrorBody),
  404: refTo(ErrorBody),
} as const;

/** A route's responses: `schema` on success (200 unless said), the error body otherwise. */
export function ok(schema: TSchema | object, status = 200) {
  return { [status]: schema, ...errorResponses };
}
