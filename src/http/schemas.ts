import { Type } from '@sinclair/typebox';

/** Shared response and parameter schemas; one schema gives validation, types and OpenAPI. */
export const ErrorBody = Type.Object({ detail: Type.Unknown(), request_id: Type.Optional(Type.String()) }, { $id: 'Error' });

export const errorResponses = {
  401: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
} as const;

export const DatasetIdParams = Type.Object({ dataset_id: Type.String({ minLength: 1, maxLength: 64 }) });

const Processing = Type.Object({
  operation: Type.String(),
  status: Type.String(),
  stage: Type.String(),
  done: Type.Integer(),
  total: Type.Union([Type.Integer(), Type.Null()]),
  failed: Type.Integer(),
  n_frames: Type.Integer(),
  started_at: Type.Union([Type.String(), Type.Null()]),
  ended_at: Type.Union([Type.String(), Type.Null()]),
  eta_seconds: Type.Union([Type.Integer(), Type.Null()]),
  paused_reason: Type.Union([Type.String(), Type.Null()]),
});

export const DatasetBody = Type.Object(
  {
    id: Type.String(),
    display_name: Type.String(),
    description: Type.String(),
    source_type: Type.String(),
    owned_by: Type.String(),
    created_at: Type.String(),
    status: Type.String({ description: 'Legacy status, derived from status_new' }),
    status_new: Type.Union(['DRAFT', 'INDEXING', 'READ ONLY', 'PARTIAL INDEX', 'READY', 'ERROR'].map((s) => Type.Literal(s))),
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    n_images: Type.Integer(),
    n_videos: Type.Integer(),
    n_objects: Type.Integer(),
    fatal_error_msg: Type.Union([Type.String(), Type.Null()]),
    source_dataset_id: Type.Union([Type.String(), Type.Null()]),
    processing: Type.Optional(Processing),
  },
  { $id: 'Dataset' },
);

export function ok(schema: object) {
  return { 200: schema, ...errorResponses };
}
