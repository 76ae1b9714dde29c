import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyApiJwt } from '../app/auth/api-jwt.ts';
import { tokenSource } from './auth.ts';

afterEach(() => vi.useRealTimers());

describe('tokenSource', () => {
  it('mints tokens the server verifies, as the SDK does', async () => {
    const token = await tokenSource('key-1', 'secret-1')();
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'key-1' });
    expect(decodeJwt(token)).toMatchObject({ sub: 'key-1', iss: 'sdk' });
    const verified = await verifyApiJwt(token, { maxLifetimeSeconds: 3600, findKey: async () => ({ secret: 'secret-1', revoked: false, userId: 'u' }) });
    expect(verified).toMatchObject({ apiKey: 'key-1', userId: 'u' });
  });

  it('reuses a token until a tenth of its life is left, then mints a new one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const token = tokenSource('key-1', 'secret-1', 100);
    const first = await token();
    vi.setSystemTime(new Date('2026-01-01T00:01:29Z'));
    expect(await token()).toBe(first);
    vi.setSystemTime(new Date('2026-01-01T00:01:30Z'));
    const second = await token();
    expect(second).not.toBe(first);
    expect(decodeJwt(second).exp).toBe(decodeJwt(first).exp! + 90);
  });
});
