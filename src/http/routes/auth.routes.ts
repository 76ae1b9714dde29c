import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createApiCredentials, listApiKeys, login, logout, revokeApiKey } from '../../app/accounts.ts';
import type { AppContext } from '../../app/context.ts';
import { ApiCredentials, ApiKeyList, LoginResult, Message } from '../../api/schemas.ts';
import { callerOf, SESSION_COOKIE } from '../auth.ts';
import { ok } from '../schemas.ts';

export function authRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post(
    '/api/v1/auth',
    {
      config: { auth: false },
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password; sets the SESSION cookie',
        body: Type.Object({ username: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }) }),
        response: ok(LoginResult),
      },
    },
    async (req, reply) => {
      const { username, password } = req.body as { username: string; password: string };
      const session = await login(ctx.accounts, username, password);
      void reply.setCookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'lax', path: '/', maxAge: session.maxAgeSeconds });
      return { message: 'Logged in', email: session.user.email, role: session.user.role };
    },
  );

  app.post('/api/v1/logout', { config: { auth: false }, schema: { tags: ['auth'], summary: 'End the session', response: ok(Message) } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await logout(ctx.accounts, token);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { message: 'Logged out' };
  });

  app.get(
    '/api/v1/api_credentials',
    { schema: { tags: ['auth'], summary: 'Create an API key pair (the secret is shown once)', response: ok(ApiCredentials) } },
    async (req) => createApiCredentials(ctx.accounts, callerOf(req).id),
  );

  app.get(
    '/api/v1/api_keys',
    { schema: { tags: ['auth'], summary: "The caller's API keys that still work, oldest first (never the secrets)", response: ok(ApiKeyList) } },
    async (req) => listApiKeys(ctx.accounts, callerOf(req)),
  );

  app.delete(
    '/api/v1/api_credentials/:api_key',
    { schema: { tags: ['auth'], summary: 'Revoke an API key; tokens signed with it stop working at once', params: Type.Object({ api_key: Type.String({ maxLength: 200 }) }), response: ok(Message) } },
    async (req) => {
      const { api_key } = req.params as { api_key: string };
      await revokeApiKey(ctx.accounts, callerOf(req), api_key);
      return { message: 'API key revoked' };
    },
  );
}
