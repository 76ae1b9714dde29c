import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomainError } from '../../domain/errors.ts';
import type { Role, User } from '../../domain/types.ts';
import { isoMicros } from '../../lib/time.ts';
import type { UsersRepo } from '../../ports/store.ts';
import type { DB, UsersTable } from '../schema.ts';

function toUser(r: UsersTable): User {
  return { id: r.id, email: r.email, role: r.role as Role, createdAt: r.created_at };
}

export function usersRepo(db: Kysely<DB>): UsersRepo {
  return {
    async create({ email, passwordHash, role }) {
      const row: UsersTable = { id: randomUUID(), email, password_hash: passwordHash, role, created_at: isoMicros() };
      // One statement, so two processes creating the same email cannot both pass a check first.
      const res = await db.insertInto('users').values(row).onConflict((oc) => oc.column('email').doNothing()).returning('id').executeTakeFirst();
      if (!res) throw new DomainError('CONFLICT', `A user with email ${email} already exists`);
      return toUser(row);
    },

    async upsert({ email, passwordHash, role }) {
      const r = await db
        .insertInto('users')
        .values({ id: randomUUID(), email, password_hash: passwordHash, role, created_at: isoMicros() })
        .onConflict((oc) => oc.column('email').doUpdateSet((eb) => ({ password_hash: eb.ref('excluded.password_hash'), role: eb.ref('excluded.role') })))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(r);
    },

    async findByEmail(email) {
      const r = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      return r ? { ...toUser(r), passwordHash: r.password_hash } : null;
    },

    async findById(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toUser(r) : null;
    },

    async addApiKey({ apiKey, userId, secretSealed }) {
      await db
        .insertInto('api_keys')
        .values({ api_key: apiKey, user_id: userId, secret_sealed: secretSealed, created_at: isoMicros(), revoked_at: null, last_used_at: null })
        .execute();
    },

    async findApiKey(apiKey) {
      const r = await db.selectFrom('api_keys').selectAll().where('api_key', '=', apiKey).executeTakeFirst();
      return r ? { userId: r.user_id, secretSealed: r.secret_sealed, revoked: r.revoked_at !== null } : null;
    },

    async revokeApiKey(apiKey) {
      const res = await db
        .updateTable('api_keys')
        .set({ revoked_at: isoMicros() })
        .where('api_key', '=', apiKey)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async listApiKeys(userId) {
      const rows = await db.selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
      return rows.map((r) => ({ apiKey: r.api_key, createdAt: r.created_at, revoked: r.revoked_at !== null, lastUsedAt: r.last_used_at }));
    },

    async noteApiKeyUse(apiKey, at, minGapMs) {
      // ISO strings of one format compare as times; the condition keeps several processes to one write a gap.
      const before = isoMicros(new Date(at.getTime() - minGapMs));
      await db
        .updateTable('api_keys')
        .set({ last_used_at: isoMicros(at) })
        .where('api_key', '=', apiKey)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', before)]))
        .execute();
    },

    async addSession({ tokenHash, userId, expiresAt }) {
      await db.insertInto('sessions').values({ token_hash: tokenHash, user_id: userId, expires_at: expiresAt, created_at: isoMicros() }).execute();
    },

    async findSession(tokenHash) {
      const r = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r ? { userId: r.user_id, expiresAt: Number(r.expires_at) } : null;
    },

    async deleteSession(tokenHash) {
      await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
    },
  };
}
