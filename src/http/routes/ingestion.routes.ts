import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { createDraft } from '../../app/datasets.ts';
import { beginUpload, openTransaction, processFiles, storeUpload } from '../../app/ingestion.ts';
import { DomainError } from '../../domain/errors.ts';
import { callerOf } from '../auth.ts';
import { multipartParts } from '../multipart.ts';

const TransParams = Type.Object({ dataset_id: Type.String({ maxLength: 64 }), trans_id: Type.Integer({ minimum: 1 }) });

export function ingestionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v1/ingestion/new_dataset',
    { schema: { tags: ['ingestion'], summary: 'Step 1: create an empty DRAFT dataset', querystring: Type.Object({ dataset_name: Type.String({ minLength: 1, maxLength: 255 }) }) } },
    async (req) => createDraft(ctx, callerOf(req), (req.query as { dataset_name: string }).dataset_name),
  );

  app.get(
    '/api/v1/ingestion/:dataset_id/data_files',
    { schema: { tags: ['ingestion'], summary: 'Step 2: open an upload transaction', params: Type.Object({ dataset_id: Type.String({ maxLength: 64 }) }) } },
    async (req) => openTransaction(ctx, callerOf(req), (req.params as { dataset_id: string }).dataset_id),
  );

  app.post(
    '/api/v1/ingestion/:dataset_id/data_files/:trans_id',
    { schema: { tags: ['ingestion'], summary: 'Step 3: upload files (multipart, field "files", repeated); any number of calls', params: TransParams, consumes: ['multipart/form-data'] } },
    async (req, reply) => {
      const { dataset_id, trans_id } = req.params as { dataset_id: string; trans_id: number };
      const user = callerOf(req);
      if (!req.isMultipart()) throw new DomainError('BAD_REQUEST', 'Expected a multipart/form-data body with one or more "files" fields');
      const dataset = await beginUpload(ctx, user, dataset_id, trans_id);
      let files = 0;
      let bytes = 0;
      const refused: string[] = [];
      for await (const part of multipartParts(req)) {
        if (part.type !== 'file') continue;
        if (part.fieldname !== 'files' && part.fieldname !== 'file') {
          part.file.resume();
          continue;
        }
        try {
          bytes += await storeUpload(ctx, dataset, trans_id, part.filename, part.file);
          files++;
        } catch (err) {
          // A bad name refuses that file only; the stream must still be drained to reach the next part.
          if (!(err instanceof DomainError) || err.code !== 'BAD_REQUEST') throw err;
          part.file.resume();
          refused.push(err.message);
        }
      }
      if (refused.length > 0) {
        throw new DomainError('BAD_REQUEST', `${refused.length} file(s) refused (${files} accepted): ${refused.slice(0, 5).join('; ')}`);
      }
      if (files === 0) throw new DomainError('BAD_REQUEST', 'No files in the request: send them in repeated "files" fields');
      return reply.status(202).send({ trans_id, files_uploaded: files, bytes_uploaded: bytes });
    },
  );

  app.post(
    '/api/v1/ingestion/:dataset_id/process_files/:trans_id',
    { schema: { tags: ['ingestion'], summary: 'Step 4: start processing the uploaded files', params: TransParams } },
    async (req, reply) => {
      const { dataset_id, trans_id } = req.params as { dataset_id: string; trans_id: number };
      await processFiles(ctx, callerOf(req), dataset_id, trans_id);
      return reply.status(202).send({ dataset_id, trans_id, status: 'INDEXING' });
    },
  );
}
