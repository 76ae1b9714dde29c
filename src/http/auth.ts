import type { FastifyInstance, FastifyRequest } from 'fastify';
import { userFromJwt, userFromSession } from '../app/accounts.ts';
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

/** Every route needs a caller (Bearer JWT or session cookie) unless its config says auth: false. */
export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('user', null);
  app.addHook('preHandler', async (req) => {
    // Unmatched routes fall through to the 404 handler without a caller check.
    if (req.routeOptions.config.auth === false || req.routeOptions.url === undefined) return;
    req.user = await authenticate(ctx, req);
  });
}

async function authenticate(ctx: AppContext, req: FastifyRequest): Promise<User> {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new DomainError('UNAUTHORIZED', 'Authorization header must be "Bearer <token>"');
    return userFromJwt(ctx.accounts, match[1]!);
  }
  const session = req.cookies[SESSION_COOKIE];
  if (session) return userFromSession(ctx.accounts, session);
  throw new DomainError('UNAUTHORIZED', 'Not authenticated');
}

export function callerOf(req: FastifyRequest): User {
  if (!req.user) throw new DomainError('UNAUTHORIZED', 'Not authenticated');
  return req.user;
}
