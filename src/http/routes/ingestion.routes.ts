import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { createDraft } from '../../app/datasets.ts';
import { beginUpload, listTransactionFiles, openTransaction, processFiles, storeUpload } from '../../app/ingestion.ts';
import { DomainError } from '../../domain/errors.ts';
import { callerOf } from '../auth.ts';
import { DatasetCreated, FilesUploaded, ProcessingStarted, TransactionFiles, TransactionOpened } from '../../api/schemas.ts';
import { multipartParts } from '../multipart.ts';
import { ok } from '../schemas.ts';

const TransParams = Type.Object({ dataset_id: Type.String({ maxLength: 64 }), trans_id: Type.Integer({ minimum: 1 }) });

export function ingestionRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/api/v1/ingestion/new_dataset',
    { schema: { tags: ['ingestion'], summary: 'Step 1: create an empty DRAFT dataset', querystring: Type.Object({ dataset_name: Type.String({ minLength: 1, maxLength: 255 }) }), response: ok(DatasetCreated) } },
    async (req) => createDraft(ctx, callerOf(req), (req.query as { dataset_name: string }).dataset_name),
  );

  app.get(
    '/api/v1/ingestion/:dataset_id/data_files',
    { schema: { tags: ['ingestion'], summary: 'Step 2: open an upload transaction', params: Type.Object({ dataset_id: Type.String({ maxLength: 64 }) }), response: ok(TransactionOpened) } },
    async (req) => openTransaction(ctx, callerOf(req), (req.params as { dataset_id: string }).dataset_id),
  );

  app.post(
    '/api/v1/ingestion/:dataset_id/data_files/:trans_id',
    { schema: { tags: ['ingestion'], summary: 'Step 3: upload files (multipart, field "files", repeated); any number of calls', params: TransParams, consumes: ['multipart/form-data'], response: ok(FilesUploaded, 202) } },
    async (req, reply) => {
      const { dataset_id, trans_id } = req.params as { dataset_id: string; trans_id: number };
      const user = callerOf(req);
      if (!req.isMultipart()) throw new DomainError('BAD_REQUEST', 'Expected a multipart/form-data body with one or more "files" fields');
      const dataset = await beginUpload(ctx, user, dataset_id, trans_id);
      let files = 0;
      let bytes = 0;
      let already = 0;
      const refused: string[] = [];
      for await (const part of multipartParts(req)) {
        if (part.type !== 'file') continue;
        if (part.fieldname !== 'files' && part.fieldname !== 'file') {
          part.file.resume();
          continue;
        }
        try {
          const stored = await storeUpload(ctx, dataset, trans_id, part.filename, part.file);
          bytes += stored.bytes;
          files++;
          if (stored.alreadyUploaded) already++;
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
      return reply.status(202).send({ trans_id, files_uploaded: files, bytes_uploaded: bytes, files_already_uploaded: already });
    },
  );

  app.get(
    '/api/v1/ingestion/:dataset_id/data_files/:trans_id',
    {
      schema: {
        tags: ['ingestion'],
        summary: 'The files a transaction holds, in upload order (page on with after = the last id): what a client resuming a cut upload need not send again',
        params: TransParams,
        querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) }),
        response: ok(TransactionFiles),
      },
    },
    async (req) => {
      const { dataset_id, trans_id } = req.params as { dataset_id: string; trans_id: number };
      const { after = 0, limit = 10_000 } = req.query as { after?: number; limit?: number };
      return listTransactionFiles(ctx, callerOf(req), dataset_id, trans_id, { after, limit });
    },
  );

  app.post(
    '/api/v1/ingestion/:dataset_id/process_files/:trans_id',
    { schema: { tags: ['ingestion'], summary: 'Step 4: start processing the uploaded files', params: TransParams, response: ok(ProcessingStarted, 202) } },
    async (req, reply) => {
      const { dataset_id, trans_id } = req.params as { dataset_id: string; trans_id: number };
      await processFiles(ctx, callerOf(req), dataset_id, trans_id);
      return reply.status(202).send({ dataset_id, trans_id, status: 'INDEXING' });
    },
  );
}
