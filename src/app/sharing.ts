import { DomainError } from '../domain/errors.ts';
import type { Dataset, User } from '../domain/types.ts';
import type { AppContext } from './context.ts';
import { visibleDataset } from './datasets.ts';

/** A user with access to a dataset, as Visual Layer lists them: the owner, then those it is shared with. */
export interface Member {
  email: string;
  role: 'owner' | User['role'];
}

/** The dataset, if `user` may change who sees it: its owner or an admin. */
async function sharedBy(ctx: AppContext, user: User, id: string): Promise<Dataset> {
  const dataset = await visibleDataset(ctx, user, id);
  if (dataset.ownerId !== user.id && user.role !== 'admin') throw new DomainError('FORBIDDEN', 'Only the owner or an admin may change who a dataset is shared with');
  return dataset;
}

async function userByEmail(ctx: AppContext, email: string): Promise<User> {
  const other = await ctx.store.users.findByEmail(email.trim().toLowerCase());
  if (!other) throw new DomainError('NOT_FOUND', `No user with email ${email}`);
  return other;
}

export async function shareDataset(ctx: AppContext, user: User, id: string, email: string): Promise<void> {
  await sharedBy(ctx, user, id);
  await ctx.store.datasets.share(id, (await userByEmail(ctx, email)).id);
}

/** Takes back the access sharing gave; the owner's own access cannot be taken. */
export async function unshareDataset(ctx: AppContext, user: User, id: string, email: string): Promise<void> {
  const dataset = await sharedBy(ctx, user, id);
  const other = await userByEmail(ctx, email);
  if (other.id === dataset.ownerId) throw new DomainError('CONFLICT', 'The owner of a dataset cannot be removed from it');
  if (!(await ctx.store.datasets.unshare(id, other.id))) throw new DomainError('NOT_FOUND', `The dataset is not shared with ${email}`);
}

/** Everyone with access to the dataset through ownership or sharing; anyone who may see it may ask. */
export async function datasetMembers(ctx: AppContext, user: User, id: string): Promise<Member[]> {
  const dataset = await visibleDataset(ctx, user, id);
  return [{ email: dataset.ownerEmail, role: 'owner' }, ...(await ctx.store.datasets.sharedWith(id))];
}
