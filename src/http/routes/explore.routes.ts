import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { explore, type ExploreQuery } from '../../app/explore.ts';
import { createUploadAnchor, parseBoundingBox } from '../../app/similarity-search.ts';
import { DomainError } from '../../domain/errors.ts';
import { ExploreResult, UploadAnchor } from '../../api/schemas.ts';
import { callerOf } from '../auth.ts';
import { DatasetIdParams, ok } from '../schemas.ts';
import { multipartParts } from '../multipart.ts';

/** A query image is one picture: far below the dataset upload limit. */
const MAX_QUERY_IMAGE_BYTES = 64 * 1024 * 1024;

const ExploreQuerystring = Type.Object({
  entity_type: Type.Optional(Type.Union([Type.Literal('IMAGES'), Type.Literal('OBJECTS')])),
  threshold: Type.Optional(Type.Integer({ minimum: 0, maximum: 4 })),
  page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  anchor_media_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  anchor_type: Type.Optional(Type.Union([Type.Literal('MEDIA'), Type.Literal('UPLOAD')])),
  vql: Type.Optional(Type.String({ maxLength: 20_000 })),
  labels: Type.Optional(Type.String({ maxLength: 20_000 })),
  caption: Type.Optional(Type.String({ maxLength: 1000 })),
  textual_similarity_threshold: Type.Optional(Type.Number({ minimum: -1, maximum: 1, description: 'With caption: the least cosine similarity a result keeps to the text' })),
});

/** The multipart `file` written to a temp file (size-capped) and the `bounding_box` field. */
async function queryImage(req: FastifyRequest, tmpDir: string): Promise<{ path: string; fileName: string; boundingBox: string | null }> {
  if (!req.isMultipart()) throw new DomainError('BAD_REQUEST', 'Expected a multipart/form-data body with a "file" field');
  let saved: { path: string; fileName: string } | null = null;
  let boundingBox: string | null = null;
  try {
    for await (const part of multipartParts(req)) {
      if (part.type === 'field') {
        if (part.fieldname === 'bounding_box' && typeof part.value === 'string') boundingBox = part.value;
        continue;
      }
      if (part.fieldname !== 'file' || saved !== null) {
        part.file.resume();
        continue;
      }
      const path = join(tmpDir, `query-${randomUUID()}`);
      saved = { path, fileName: part.filename };
      let bytes = 0;
      const cap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          done(bytes > MAX_QUERY_IMAGE_BYTES ? new DomainError('PAYLOAD_TOO_LARGE', `The query image exceeds ${MAX_QUERY_IMAGE_BYTES} bytes`) : null, chunk);
        },
      });
      await pipeline(part.file, cap, createWriteStream(path));
    }
  } catch (err) {
    if (saved) await rm(saved.path, { force: true });
    throw err;
  }
  if (saved === null) throw new DomainError('BAD_REQUEST', 'No image in the request: send it in the "file" field');
  return { ...saved, boundingBox };
}

export function exploreRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v1/explore/:dataset_id',
    {
      schema: {
        tags: ['explore'],
        summary: 'Clusters (threshold 0 finest … 4 coarsest, 100 a page) or similarity search from an anchor; VQL filters',
        params: DatasetIdParams,
        querystring: ExploreQuerystring,
        response: ok(ExploreResult),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const q = req.query as Record<string, string | number | undefined>;
      const query: ExploreQuery = {
        entityType: (q.entity_type as ExploreQuery['entityType']) ?? 'IMAGES',
        threshold: (q.threshold as number) ?? 0,
        pageNumber: (q.page_number as number) ?? 0,
        ...(q.anchor_media_id !== undefined && { anchorMediaId: q.anchor_media_id as string }),
        ...(q.anchor_type !== undefined && { anchorType: q.anchor_type as 'MEDIA' | 'UPLOAD' }),
        ...(q.vql !== undefined && { vql: q.vql as string }),
        ...(q.labels !== undefined && { labels: q.labels as string }),
        ...(q.caption !== undefined && q.caption !== '' && { caption: q.caption as string }),
        ...(q.textual_similarity_threshold !== undefined && { textualSimilarityThreshold: q.textual_similarity_threshold as number }),
      };
      return explore(ctx, callerOf(req), dataset_id, query);
    },
  );

  app.post(
    '/api/v1/dataset/:dataset_id/search-image-similarity',
    {
      schema: {
        tags: ['explore'],
        summary: 'Upload an image (multipart "file", optional "bounding_box" {x, y, width, height} in fractions of the image, or pixels) → an anchor for explore (anchor_type=UPLOAD)',
        params: DatasetIdParams,
        querystring: Type.Object({ entity_type: Type.Optional(Type.Union([Type.Literal('IMAGES'), Type.Literal('OBJECTS')])), bounding_box: Type.Optional(Type.String({ maxLength: 200 })) }),
        consumes: ['multipart/form-data'],
        response: ok(UploadAnchor),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const { bounding_box } = req.query as { bounding_box?: string };
      const upload = await queryImage(req, ctx.pipeline.tmpDir);
      try {
        const raw = upload.boundingBox ?? bounding_box ?? null;
        const box = raw === null || raw.trim() === '' ? null : parseBoundingBox(raw);
        return await createUploadAnchor(ctx, callerOf(req), dataset_id, upload, box);
      } finally {
        await rm(upload.path, { force: true });
      }
    },
  );
}
