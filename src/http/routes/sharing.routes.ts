import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import { datasetMembers, shareDataset, unshareDataset } from '../../app/sharing.ts';
import { DatasetMembers, Message, NullBody } from '../../api/schemas.ts';
import { callerOf } from '../auth.ts';
import { formFields } from '../form-fields.ts';
import { DatasetIdParams, ok } from '../schemas.ts';
import { missingFields } from '../validation-errors.ts';

const Email = Type.String({ minLength: 1, maxLength: 320 });

/**
 * Sharing in both of Visual Layer's forms: the older POST /dataset/{id}/share with the form
 * field `user_email`, and the newer /manage/{id} routes (invite with JSON
 * `grant_to_user_email`, the member list), plus taking access back.
 */
export function sharingRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/api/v1/dataset/:dataset_id/share',
    {
      schema: {
        tags: ['sharing'],
        summary: 'Share a dataset with another user: form field user_email (multipart, urlencoded or JSON; "email" is read too)',
        params: DatasetIdParams,
        consumes: ['multipart/form-data', 'application/x-www-form-urlencoded', 'application/json'],
        response: ok(Message),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      const fields = await formFields(req);
      const email = fields.user_email ?? fields.email;
      if (!email) throw missingFields('body', ['user_email']);
      await shareDataset(ctx, callerOf(req), dataset_id, email);
      return { message: 'Shared' };
    },
  );

  app.put(
    '/api/v1/manage/:dataset_id/invite',
    {
      schema: {
        tags: ['sharing'],
        summary: 'Share a dataset with another user (JSON grant_to_user_email); answers null',
        params: DatasetIdParams,
        body: Type.Object({ grant_to_user_email: Email }),
        response: ok(NullBody),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      await shareDataset(ctx, callerOf(req), dataset_id, (req.body as { grant_to_user_email: string }).grant_to_user_email);
      return null;
    },
  );

  app.get(
    '/api/v1/manage/:dataset_id/share',
    { schema: { tags: ['sharing'], summary: 'Who has access: the owner, then the users the dataset is shared with', params: DatasetIdParams, response: ok(DatasetMembers) } },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      return datasetMembers(ctx, callerOf(req), dataset_id);
    },
  );

  app.delete(
    '/api/v1/manage/:dataset_id/share',
    {
      schema: {
        tags: ['sharing'],
        summary: 'Take back the access sharing gave a user (owner or admin); answers null',
        params: DatasetIdParams,
        querystring: Type.Object({ user_email: Email }),
        response: ok(NullBody),
      },
    },
    async (req) => {
      const { dataset_id } = req.params as { dataset_id: string };
      await unshareDataset(ctx, callerOf(req), dataset_id, (req.query as { user_email: string }).user_email);
      return null;
    },
  );
}
