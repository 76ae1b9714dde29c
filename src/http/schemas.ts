import { Type, type TSchema } from '@sinclair/typebox';
import { ErrorBody, refTo } from '../api/schemas.ts';

/** Parameters shared by routes; bodies live in api/schemas.ts, shared with the typed client. */
export const DatasetIdParams = Type.Object({ dataset_id: Type.String({ minLength: 1, maxLength: 64 }) });

export const errorResponses = {
  401: refTo(ErrorBody),
  404: refTo(ErrorBody),
} as const;

/** A route's responses: `schema` on success (200 unless said), the error body otherwise. */
export function ok(schema: TSchema | object, status = 200) {
  return { [status]: schema, ...errorResponses };
}
