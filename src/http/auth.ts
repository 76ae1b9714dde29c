import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOCAL_USER_EMAIL, userFromJwt, userFromSession } from '../app/accounts.ts';
import type { AppContext } from '../app/context.ts';
import { DomainError } from '../domain/errors.ts';
import type { User } from '../domain/types.ts';

export const SESSION_COOKIE = 'SESSION';

declare module 'fastify' {
  interface FastifyRequest {
    user: User | null;
  }
  interface FastifyContextConfig {
    /** false for the few routes that need no caller (login, docs). */
    auth?: boolean;
  }
}

/**
 * Every route needs a caller (Bearer JWT or session cookie) unless its config says auth: false.
 * With STRATA_AUTH=none a request that carries no credentials is served as the local admin
 * (made at start, see ensureLocalUser); credentials that are sent are still checked.
 */
export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  let localUser: Promise<User> | null = null;
  const anonymous = async (): Promise<User> => {
    if (ctx.config.auth !== 'none') throw new DomainError('UNAUTHORIZED', 'Not authenticated');
    localUser ??= findLocalUser(ctx);
    return localUser;
  };
  app.decorateRequest('user', null);
  app.addHook('preHandler', async (req) => {
    // Unmatched routes fall through to the 404 handler without a caller check.
    if (req.routeOptions.config.auth === false || req.routeOptions.url === undefined) return;
    req.user = await authenticate(ctx, req, anonymous);
  });
}

async function findLocalUser(ctx: AppContext): Promise<User> {
  const user = await ctx.store.users.findByEmail(ctx.config.adminEmail?.trim().toLowerCase() ?? LOCAL_USER_EMAIL);
  if (!user) throw new Error('STRATA_AUTH=none, but the local user was not made at start');
  return user;
}

async function authenticate(ctx: AppContext, req: FastifyRequest, anonymous: () => Promise<User>): Promise<User> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new DomainError('UNAUTHORIZED', 'Authorization header must be "Bearer <token>"');
    return userFromJwt(ctx.accounts, match[1]!);
  }
  const session = req.cookies[SESSION_COOKIE];
  if (session) return userFromSession(ctx.accounts, session);
  return anonymous();
}

export function callerOf(req: FastifyRequest): User {
  if (!req.user) throw new DomainError('UNAUTHORIZED', 'Not authenticated');
  return req.user;
}
