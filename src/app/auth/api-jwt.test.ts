import { createHmac, scrypt } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { DomainError } from '../../domain/errors.ts';
import { generateApiKeyPair } from './api-keys.ts';
import { verifyApiJwt, type ApiKeyRecord, type JwtVerifyDeps } from './api-jwt.ts';

// Tokens are built here with node:crypto, independently of jose, byte for byte as PyJWT
// writes them: compact JSON, header keys sorted, payload keys in the order given.
const KEY = '3f2a9c4e8b1d7a6f5e4c3b2a19081726';
const SECRET = 'q8Zr2yN4vB7xK1mP0sT6uW9eA3dF5gH-jL_cV2bN8xQ';
const NOW = 1_750_000_000;
const DAY = 86_400;

// Real PyJWT 2.6.0 output for the Visual Layer example at NOW:
// jwt.encode({"sub": KEY, "iat": NOW, "exp": NOW + 600, "iss": "sdk"}, key=SECRET,
//            algorithm="HS256", headers={"kid": KEY})
const PYJWT_TOKEN =
  'eyJhbGciOiJIUzI1NiIsImtpZCI6IjNmMmE5YzRlOGIxZDdhNmY1ZTRjM2IyYTE5MDgxNzI2IiwidHlwIjoiSldUIn0' +
  '.eyJzdWIiOiIzZjJhOWM0ZThiMWQ3YTZmNWU0YzNiMmExOTA4MTcyNiIsImlhdCI6MTc1MDAwMDAwMCwiZXhwIjoxNzUwMDAwNjAwLCJpc3MiOiJzZGsifQ' +
  '.Yfw11XqAYI6QeQiQCdK94IWUC_tnQDc8nEh8Sc1KxlA';

const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

function signRaw(headerJson: string, payloadJson: string, secret: string = SECRET, hash = 'sha256'): string {
  const input = `${b64url(headerJson)}.${b64url(payloadJson)}`;
  return `${input}.${createHmac(hash, Buffer.from(secret, 'utf8')).update(input).digest('base64url')}`;
}

function sortedJson(value: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function pyjwt(
  payload: Record<string, unknown> = { sub: KEY, iat: NOW, exp: NOW + 600, iss: 'sdk' },
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT', kid: KEY },
  secret: string = SECRET,
): string {
  return signRaw(sortedJson(header), JSON.stringify(payload), secret);
}

function makeDeps(overrides: Partial<JwtVerifyDeps> = {}, records: Record<string, ApiKeyRecord> = {}) {
  const keys = new Map<string, ApiKeyRecord>(Object.entries({ [KEY]: { secret: SECRET, revoked: false, userId: 'user-1' }, ...records }));
  const findKey = vi.fn(async (kid: string) => keys.get(kid) ?? null);
  const deps: JwtVerifyDeps = { findKey, nowSeconds: () => NOW, maxLifetimeSeconds: DAY, ...overrides };
  return { deps, keys, findKey };
}

async function rejection(token: string, deps: JwtVerifyDeps = makeDeps().deps): Promise<DomainError> {
  const err = await verifyApiJwt(token, deps).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'token was accepted').toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe('UNAUTHORIZED');
  return err as DomainError;
}

describe('verifyApiJwt: accepted tokens', () => {
  it('accepts real PyJWT output for the Visual Layer example', async () => {
    await expect(verifyApiJwt(PYJWT_TOKEN, makeDeps().deps)).resolves.toEqual({ apiKey: KEY, userId: 'user-1', exp: expect.any(Number) });
  });

  it('accepts a token hand-built like PyJWT output', async () => {
    const token = pyjwt();
    expect(token).toBe(PYJWT_TOKEN); // the builder reproduces PyJWT byte for byte
    await expect(verifyApiJwt(token, makeDeps().deps)).resolves.toEqual({ apiKey: KEY, userId: 'user-1', exp: expect.any(Number) });
  });

  it('accepts other header key orders and no typ', async () => {
    const token = signRaw(JSON.stringify({ kid: KEY, alg: 'HS256' }), JSON.stringify({ exp: NOW + 60, iat: NOW, sub: KEY }));
    await expect(verifyApiJwt(token, makeDeps().deps)).resolves.toEqual({ apiKey: KEY, userId: 'user-1', exp: expect.any(Number) });
  });

  it('uses the secret as raw UTF-8 bytes', async () => {
    const secret = 'sécret-ü-秘密';
    const { deps } = makeDeps({}, { [KEY]: { secret, revoked: false, userId: 'user-1' } });
    await expect(verifyApiJwt(pyjwt(undefined, undefined, secret), deps)).resolves.toMatchObject({ apiKey: KEY });
    const latin1 = `${b64url(sortedJson({ alg: 'HS256', kid: KEY }))}.${b64url(JSON.stringify({ sub: KEY, iat: NOW, exp: NOW + 60 }))}`;
    const wrongBytes = `${latin1}.${createHmac('sha256', Buffer.from(secret, 'latin1')).update(latin1).digest('base64url')}`;
    await rejection(wrongBytes, deps);
  });

  it('accepts a freshly generated key pair, using the real clock by default', async () => {
    const { apiKey, apiSecret } = generateApiKeyPair();
    const now = Math.floor(Date.now() / 1000);
    const token = pyjwt({ sub: apiKey, iat: now, exp: now + 600, iss: 'sdk' }, { alg: 'HS256', typ: 'JWT', kid: apiKey }, apiSecret);
    const { deps } = makeDeps({ nowSeconds: undefined }, { [apiKey]: { secret: apiSecret, revoked: false, userId: 'u2' } });
    await expect(verifyApiJwt(token, deps)).resolves.toEqual({ apiKey, userId: 'u2', exp: expect.any(Number) });
  });

  it('returns the user of the key named by kid', async () => {
    const other = { secret: 'other-secret', revoked: false, userId: 'user-2' };
    const { deps } = makeDeps({}, { otherkey: other });
    const token = pyjwt({ sub: 'otherkey', iat: NOW, exp: NOW + 60 }, { alg: 'HS256', kid: 'otherkey' }, 'other-secret');
    await expect(verifyApiJwt(token, deps)).resolves.toEqual({ apiKey: 'otherkey', userId: 'user-2', exp: expect.any(Number) });
  });
});

describe('verifyApiJwt: algorithm attacks', () => {
  it('rejects alg none without a signature, before any key lookup', async () => {
    const { deps, findKey } = makeDeps();
    const token = `${b64url(JSON.stringify({ alg: 'none', kid: KEY }))}.${b64url(JSON.stringify({ sub: KEY, iat: NOW, exp: NOW + 60 }))}.`;
    await rejection(token, deps);
    expect(findKey).not.toHaveBeenCalled();
  });

  it('rejects alg none carrying a valid HMAC signature', async () => {
    const { deps, findKey } = makeDeps();
    await rejection(pyjwt(undefined, { alg: 'none', typ: 'JWT', kid: KEY }), deps);
    expect(findKey).not.toHaveBeenCalled();
  });

  it('rejects HS512 and HS384 even when correctly signed with the secret', async () => {
    for (const [alg, hash] of [['HS512', 'sha512'], ['HS384', 'sha384']] as const) {
      const token = signRaw(sortedJson({ alg, kid: KEY }), JSON.stringify({ sub: KEY, iat: NOW, exp: NOW + 60 }), SECRET, hash);
      expect((await rejection(token)).message).toBe('Token must be signed with HS256');
    }
  });

  it('rejects RS256/ES256/PS256 headers signed with the secret as "public key" (key confusion)', async () => {
    for (const alg of ['RS256', 'ES256', 'PS256', 'EdDSA']) {
      await rejection(pyjwt(undefined, { alg, typ: 'JWT', kid: KEY }));
    }
  });

  it('rejects a missing alg and case variants of HS256', async () => {
    await rejection(pyjwt(undefined, { typ: 'JWT', kid: KEY }));
    await rejection(pyjwt(undefined, { alg: 'hs256', kid: KEY }));
    await rejection(pyjwt(undefined, { alg: ['HS256'], kid: KEY }));
  });

  it('rejects an unencoded-payload (b64: false) token and any "crit" extension', async () => {
    const { deps, findKey } = makeDeps();
    await rejection(pyjwt(undefined, { alg: 'HS256', kid: KEY, b64: false, crit: ['b64'] }), deps);
    await rejection(pyjwt(undefined, { alg: 'HS256', kid: KEY, crit: [] }), deps);
    expect(findKey).not.toHaveBeenCalled();
  });
});

describe('verifyApiJwt: keys and signatures', () => {
  it('gives the same message for a wrong secret, an unknown kid and a revoked key', async () => {
    const wrongSecret = await rejection(pyjwt(undefined, undefined, 'not-the-secret'));

    const unknownKid = await rejection(
      pyjwt({ sub: 'nosuchkey', iat: NOW, exp: NOW + 60 }, { alg: 'HS256', kid: 'nosuchkey' }),
    );

    const { deps, keys } = makeDeps();
    keys.set(KEY, { secret: SECRET, revoked: true, userId: 'user-1' });
    const revoked = await rejection(pyjwt(), deps);

    expect(wrongSecret.message).toBe('Invalid token');
    expect(unknownKid.message).toBe('Invalid token');
    expect(revoked.message).toBe('Invalid token');
  });

  it('stops accepting a key the moment it is revoked', async () => {
    const { deps, keys } = makeDeps();
    await expect(verifyApiJwt(pyjwt(), deps)).resolves.toBeDefined();
    keys.set(KEY, { secret: SECRET, revoked: true, userId: 'user-1' });
    await rejection(pyjwt(), deps);
  });

  it('follows a secret change for the same kid', async () => {
    const { deps, keys } = makeDeps();
    await expect(verifyApiJwt(pyjwt(), deps)).resolves.toBeDefined();
    keys.set(KEY, { secret: 'rotated', revoked: false, userId: 'user-1' });
    await rejection(pyjwt(), deps);
    await expect(verifyApiJwt(pyjwt(undefined, undefined, 'rotated'), deps)).resolves.toBeDefined();
  });

  it('rejects a missing, empty, non-string or absurdly long kid without a lookup', async () => {
    const { deps, findKey } = makeDeps();
    for (const kid of [undefined, '', 42, null, { k: KEY }, 'k'.repeat(257)]) {
      const header = kid === undefined ? { alg: 'HS256' } : { alg: 'HS256', kid };
      await rejection(pyjwt(undefined, header), deps);
    }
    expect(findKey).not.toHaveBeenCalled();
  });

  it('rejects a tampered payload and a tampered signature', async () => {
    const [h, p, s] = PYJWT_TOKEN.split('.') as [string, string, string];
    const otherPayload = b64url(JSON.stringify({ sub: KEY, iat: NOW, exp: NOW + 6000, iss: 'sdk' }));
    expect((await rejection(`${h}.${otherPayload}.${s}`)).message).toBe('Invalid token');
    const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect((await rejection(`${h}.${p}.${flipped}`)).message).toBe('Invalid token');
    expect((await rejection(`${h}.${p}.${s.slice(0, 20)}`)).message).toBe('Invalid token');
  });

  it('rejects a non-canonical spelling of the right signature', async () => {
    const [h, p, s] = PYJWT_TOKEN.split('.') as [string, string, string];
    expect(s.endsWith('A')).toBe(true);
    const respelled = `${s.slice(0, -1)}B`; // differs only in the unused low bits of the last character
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true);
    expect((await rejection(`${h}.${p}.${respelled}`)).message).toBe('Invalid token');
  });

  it('does not reveal expiry when the signature is wrong', async () => {
    const token = pyjwt({ sub: KEY, iat: NOW - 7200, exp: NOW - 3600 }, undefined, 'not-the-secret');
    expect((await rejection(token)).message).toBe('Invalid token');
  });

  it('lets store failures propagate instead of reporting them as bad tokens', async () => {
    const { deps } = makeDeps({ findKey: async () => Promise.reject(new Error('database is down')) });
    await expect(verifyApiJwt(pyjwt(), deps)).rejects.toThrow('database is down');
  });
});

describe('verifyApiJwt: claims', () => {
  const claims = (c: Record<string, unknown>) => pyjwt(c);

  it('rejects a token expired beyond the 30 s skew, and at exactly the skew', async () => {
    expect((await rejection(claims({ sub: KEY, iat: NOW - 600, exp: NOW - 31 }))).message).toBe('Token expired');
    expect((await rejection(claims({ sub: KEY, iat: NOW - 600, exp: NOW - 30 }))).message).toBe('Token expired');
  });

  it('accepts a token expired within the skew', async () => {
    await expect(verifyApiJwt(claims({ sub: KEY, iat: NOW - 600, exp: NOW - 29 }), makeDeps().deps)).resolves.toBeDefined();
  });

  it('honours a configured skew', async () => {
    const { deps } = makeDeps({ clockSkewSeconds: 0 });
    await rejection(claims({ sub: KEY, iat: NOW - 600, exp: NOW }), deps);
    await rejection(claims({ sub: KEY, iat: NOW + 1, exp: NOW + 600 }), deps);
    await expect(verifyApiJwt(claims({ sub: KEY, iat: NOW, exp: NOW + 1 }), deps)).resolves.toBeDefined();
  });

  it('rejects iat more than 30 s in the future and accepts it within the skew', async () => {
    expect((await rejection(claims({ sub: KEY, iat: NOW + 31, exp: NOW + 600 }))).message).toBe('Token "iat" is in the future');
    await expect(verifyApiJwt(claims({ sub: KEY, iat: NOW + 30, exp: NOW + 600 }), makeDeps().deps)).resolves.toBeDefined();
  });

  it('rejects sub different from kid', async () => {
    expect((await rejection(claims({ sub: 'someone-else', iat: NOW, exp: NOW + 60 }))).message).toBe('Token "sub" must equal its "kid"');
    await rejection(claims({ sub: [KEY], iat: NOW, exp: NOW + 60 }));
  });

  it('rejects missing sub, exp or iat', async () => {
    await rejection(claims({ iat: NOW, exp: NOW + 60 }));
    expect((await rejection(claims({ sub: KEY, iat: NOW }))).message).toBe('Token lacks an "exp" claim');
    expect((await rejection(claims({ sub: KEY, exp: NOW + 60 }))).message).toBe('Token lacks an "iat" claim');
  });

  it('rejects non-numeric exp or iat', async () => {
    await rejection(claims({ sub: KEY, iat: NOW, exp: String(NOW + 60) }));
    await rejection(claims({ sub: KEY, iat: String(NOW), exp: NOW + 60 }));
    await rejection(claims({ sub: KEY, iat: null, exp: NOW + 60 }));
  });

  it('rejects infinite exp or iat (1e400 parses as Infinity)', async () => {
    const header = sortedJson({ alg: 'HS256', kid: KEY });
    await rejection(signRaw(header, `{"sub":"${KEY}","iat":${NOW},"exp":1e400}`));
    await rejection(signRaw(header, `{"sub":"${KEY}","iat":-1e400,"exp":${NOW + 60}}`));
  });

  it('honours nbf when present', async () => {
    await rejection(claims({ sub: KEY, iat: NOW, exp: NOW + 600, nbf: NOW + 31 }));
    await rejection(claims({ sub: KEY, iat: NOW, exp: NOW + 600, nbf: 'soon' }));
    await expect(verifyApiJwt(claims({ sub: KEY, iat: NOW, exp: NOW + 600, nbf: NOW + 30 }), makeDeps().deps)).resolves.toBeDefined();
  });

  it('rejects a 30-day lifetime, accepts exactly 24 h, rejects 24 h + 1 s', async () => {
    expect((await rejection(claims({ sub: KEY, iat: NOW, exp: NOW + 30 * DAY }))).message).toBe('Token lifetime exceeds 86400 seconds');
    await expect(verifyApiJwt(claims({ sub: KEY, iat: NOW, exp: NOW + DAY }), makeDeps().deps)).resolves.toBeDefined();
    await rejection(claims({ sub: KEY, iat: NOW, exp: NOW + DAY + 1 }));
  });

  it('uses the configured maximum lifetime', async () => {
    const { deps } = makeDeps({ maxLifetimeSeconds: 600 });
    await expect(verifyApiJwt(claims({ sub: KEY, iat: NOW, exp: NOW + 600 }), deps)).resolves.toBeDefined();
    await rejection(claims({ sub: KEY, iat: NOW, exp: NOW + 601 }), deps);
  });

  it('rejects a signed payload that is not a JSON object', async () => {
    const header = sortedJson({ alg: 'HS256', kid: KEY });
    await rejection(signRaw(header, 'not json'));
    await rejection(signRaw(header, '[1,2]'));
  });
});

describe('verifyApiJwt: malformed input', () => {
  const bad = [
    '',
    'garbage',
    'a.b',
    PYJWT_TOKEN.split('.').slice(0, 2).join('.'),
    `${PYJWT_TOKEN}.extra`,
    `${PYJWT_TOKEN}.a.b`, // five segments, shaped like a JWE
    '!!!.@@@.###',
    `${PYJWT_TOKEN.split('.')[0]}.pay+load/.sig==`,
    `${b64url('not json')}.${b64url('{}')}.c2ln`,
    `${b64url('[1,2,3]')}.${b64url('{}')}.c2ln`,
    `${b64url('null')}.${b64url('{}')}.c2ln`,
    `${Buffer.from([0xff, 0xfe, 0x00]).toString('base64url')}.${b64url('{}')}.c2ln`,
    `x.${PYJWT_TOKEN}`,
    ` ${PYJWT_TOKEN}`,
    `Bearer ${PYJWT_TOKEN}`,
  ];

  it.each(bad.map((t) => [t]))('rejects %j with an UNAUTHORIZED DomainError and no lookup', async (token) => {
    const { deps, findKey } = makeDeps();
    await rejection(token, deps);
    expect(findKey).not.toHaveBeenCalled();
  });

  it('rejects tokens over 8 KB before parsing, and accepts a valid one just under', async () => {
    const padded = (pad: number) => pyjwt({ sub: KEY, iat: NOW, exp: NOW + 60, pad: 'x'.repeat(pad) });
    let pad = 0;
    while (padded(pad + 1).length <= 8192) pad++;
    const largestOk = padded(pad);
    await expect(verifyApiJwt(largestOk, makeDeps().deps)).resolves.toBeDefined();

    const { deps, findKey } = makeDeps();
    const tooBig = padded(pad + 1);
    expect(tooBig.length).toBeGreaterThan(8192);
    expect((await rejection(tooBig, deps)).message).toBe('Token too large');
    expect((await rejection('a'.repeat(10_000_000), deps)).message).toBe('Token too large');
    expect(findKey).not.toHaveBeenCalled();
  });

  it('never throws anything but UNAUTHORIZED for random and mutated input', async () => {
    const { deps } = makeDeps();
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}"\u00e9\u0000';
    const inputs: string[] = [];
    for (let i = 0; i < 500; i++) {
      inputs.push(Array.from({ length: rand(120) }, () => alphabet[rand(alphabet.length)]).join(''));
    }
    for (let i = 0; i < PYJWT_TOKEN.length; i++) {
      inputs.push(PYJWT_TOKEN.slice(0, i) + alphabet[rand(alphabet.length)] + PYJWT_TOKEN.slice(i + 1));
      inputs.push(PYJWT_TOKEN.slice(0, i) + PYJWT_TOKEN.slice(i + 1));
    }
    for (const input of inputs) {
      await verifyApiJwt(input, deps).then(
        (ok) => expect(ok).toEqual({ apiKey: KEY, userId: 'user-1', exp: expect.any(Number) }),
        (err: unknown) => {
          expect(err).toBeInstanceOf(DomainError);
          expect((err as DomainError).code).toBe('UNAUTHORIZED');
        },
      );
    }
  });
});

describe('verifyApiJwt: cost', () => {
  // WebCrypto HMAC runs on the libuv threadpool; scrypt, sharp and file I/O share it. Auth
  // runs on every request, so it must not queue behind them.
  it('stays fast while every libuv threadpool thread is busy', async () => {
    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    let busy = threads;
    const jobs = Array.from(
      { length: threads },
      // ~16 MiB each; p = 16 makes each job run for hundreds of milliseconds.
      () =>
        new Promise<void>((resolve) =>
          scrypt('x', 'salt', 32, { N: 2 ** 14, r: 8, p: 16, maxmem: 64 * 1024 * 1024 }, () => {
            busy--;
            resolve();
          }),
        ),
    );
    const { deps } = makeDeps();
    const start = performance.now();
    for (let i = 0; i < 20; i++) await verifyApiJwt(PYJWT_TOKEN, deps);
    const elapsed = performance.now() - start;
    const stillBusy = busy;
    await Promise.all(jobs);
    expect(stillBusy, 'the threadpool jobs finished too early to prove anything').toBe(threads);
    expect(elapsed).toBeLessThan(100);
  });
});

describe('generateApiKeyPair', () => {
  it('makes a 128-bit hex key and a 256-bit base64url secret', () => {
    const { apiKey, apiSecret } = generateApiKeyPair();
    expect(apiKey).toMatch(/^[0-9a-f]{32}$/);
    expect(apiSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(apiSecret, 'base64url')).toHaveLength(32);
  });

  it('never repeats', () => {
    const pairs = Array.from({ length: 2000 }, generateApiKeyPair);
    expect(new Set(pairs.map((p) => p.apiKey)).size).toBe(2000);
    expect(new Set(pairs.map((p) => p.apiSecret)).size).toBe(2000);
  });
});
