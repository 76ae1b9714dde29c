/**
 * How a client proves who it is: an API key pair (signed tokens), or nothing of its own — the
 * browser's session cookie, or no credentials at all for a server that needs none.
 */
export type StrataAuth = { apiKey: string; apiSecret: string; tokenLifetimeSeconds?: number } | { session: true };

const DEFAULT_LIFETIME_SECONDS = 600;

/**
 * Mints the API's tokens as Visual Layer's SDK does (HS256, `kid` and `sub` = the API key,
 * signed with the secret's UTF-8 bytes) and keeps one until a tenth of its life is left, so
 * a long wait or upload never sends an expired token and a busy client signs rarely. jose is
 * loaded on the first signature, so a client on a session cookie (the web UI) never loads it.
 */
export function tokenSource(apiKey: string, apiSecret: string, lifetimeSeconds = DEFAULT_LIFETIME_SECONDS): () => Promise<string> {
  const key = new TextEncoder().encode(apiSecret);
  let current: { token: string; refreshAt: number } | null = null;
  return async () => {
    const now = Math.floor(Date.now() / 1000);
    if (current !== null && now < current.refreshAt) return current.token;
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: apiKey })
      .setSubject(apiKey)
      .setIssuer('sdk')
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(key);
    current = { token, refreshAt: now + Math.floor(lifetimeSeconds * 0.9) };
    return token;
  };
}
