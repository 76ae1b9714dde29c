import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password-hash.ts';

const FORMAT = /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/;

function storedWith(password: string, n: number, r: number, p: number, salt = randomBytes(16), keylen = 32): string {
  const hash = scryptSync(password, salt, keylen, { N: n, r, p, maxmem: 256 * n * r });
  return `scrypt$${n}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function elapsedMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

describe('hashPassword / verifyPassword', () => {
  it('verifies the right password and rejects others', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('writes N=2^15, r=8, p=1, a 16-byte salt and a 32-byte hash into the stored string', async () => {
    const stored = await hashPassword('pw');
    expect(stored).toMatch(FORMAT);
    const [, , , , salt, hash] = stored.split('$');
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(hash!, 'base64')).toHaveLength(32);
  });

  it('salts every hash differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a).not.toBe(b);
    expect(a!.split('$')[4]).not.toBe(b!.split('$')[4]);
  });

  it('is a real scrypt of the password (known-answer check with node:crypto)', async () => {
    const stored = await hashPassword('known answer');
    const [, n, r, p, salt, hash] = stored.split('$');
    const expected = scryptSync('known answer', Buffer.from(salt!, 'base64'), 32, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 64 * 1024 * 1024,
    });
    expect(Buffer.from(hash!, 'base64').equals(expected)).toBe(true);
  });

  it('reads the parameters from the stored string (older or different costs still verify)', async () => {
    const stored = storedWith('legacy', 2 ** 14, 8, 1);
    expect(await verifyPassword('legacy', stored)).toBe(true);
    expect(await verifyPassword('legacy2', stored)).toBe(false);
    const otherLengths = storedWith('lengths', 2 ** 10, 4, 2, randomBytes(24), 64);
    expect(await verifyPassword('lengths', otherLengths)).toBe(true);
  });

  it('handles non-ASCII and very long passwords', async () => {
    const unicode = 'pässwörd-密码-🔑';
    expect(await verifyPassword(unicode, await hashPassword(unicode))).toBe(true);
    const long = 'x'.repeat(100_000);
    const stored = await hashPassword(long);
    expect(await verifyPassword(long, stored)).toBe(true);
    expect(await verifyPassword(`${long}y`, stored)).toBe(false);
  });

  it('rejects a stored hash whose bytes or parameters were changed', async () => {
    const stored = await hashPassword('pw');
    const parts = stored.split('$');
    const hash = Buffer.from(parts[5]!, 'base64');
    hash[0]! ^= 1;
    expect(await verifyPassword('pw', [...parts.slice(0, 5), hash.toString('base64')].join('$'))).toBe(false);
    expect(await verifyPassword('pw', stored.replace('scrypt$32768$', 'scrypt$16384$'))).toBe(false);
  });
});

describe('verifyPassword with malformed stored strings', () => {
  const good = storedWith('pw', 2 ** 10, 8, 1);
  const [, , , , salt, hash] = good.split('$') as [string, string, string, string, string, string];
  const malformed: [string, string][] = [
    ['empty', ''],
    ['garbage', 'garbage'],
    ['bcrypt', '$2b$12$abcdefghijklmnopqrstuuJ3bW6n2fZt0h1M2kFQmB8oGQ7l5kS2'],
    ['other scheme', good.replace('scrypt$', 'pbkdf2$')],
    ['too few parts', `scrypt$1024$8$1$${salt}`],
    ['too many parts', `${good}$extra`],
    ['empty fields', 'scrypt$$$$$'],
    ['N not a power of two', `scrypt$1000$8$1$${salt}$${hash}`],
    ['N = 1', `scrypt$1$8$1$${salt}$${hash}`],
    ['r = 0', `scrypt$1024$0$1$${salt}$${hash}`],
    ['negative p', `scrypt$1024$8$-1$${salt}$${hash}`],
    ['leading zero', `scrypt$01024$8$1$${salt}$${hash}`],
    ['non-numeric N', `scrypt$abc$8$1$${salt}$${hash}`],
    ['fractional r', `scrypt$1024$8.5$1$${salt}$${hash}`],
    ['huge exponent', `scrypt$1e9$8$1$${salt}$${hash}`],
    ['salt not base64', `scrypt$1024$8$1$!!!!$${hash}`],
    ['hash with stray characters', `scrypt$1024$8$1$${salt}$${hash}*`],
    ['non-canonical base64', `scrypt$1024$8$1$${salt}$${hash.replace(/=$/, '')}`],
    ['short salt', storedWith('pw', 2 ** 10, 8, 1, randomBytes(4))],
    ['short hash', storedWith('pw', 2 ** 10, 8, 1, randomBytes(16), 8)],
    ['overlong hash', storedWith('pw', 2 ** 10, 8, 1, randomBytes(16), 128)],
    ['whitespace', ` ${good}`],
  ];

  // Most cases are a correct hash of 'pw' with one defect, so a lenient parser would say true.
  it.each(malformed)('%s → false, no throw', async (_label, stored) => {
    await expect(verifyPassword('pw', stored)).resolves.toBe(false);
  });

  it('accepts the untouched reference string (so the cases above fail for their own reason)', async () => {
    expect(await verifyPassword('pw', good)).toBe(true);
  });

  it('refuses oversized cost parameters without running scrypt', async () => {
    for (const stored of [`scrypt$${2 ** 20}$8$1$${salt}$${hash}`, `scrypt$1024$1024$1$${salt}$${hash}`, `scrypt$1024$8$64$${salt}$${hash}`]) {
      const ms = await elapsedMs(async () => expect(await verifyPassword('pw', stored)).toBe(false));
      expect(ms).toBeLessThan(50);
    }
  });
});

describe('DUMMY_PASSWORD_HASH', () => {
  it('has exactly the shape and parameters of a current hash, so it costs a full verification', async () => {
    expect(DUMMY_PASSWORD_HASH).toMatch(FORMAT);
    const fresh = await hashPassword('x');
    expect(DUMMY_PASSWORD_HASH.split('$').slice(0, 4)).toEqual(fresh.split('$').slice(0, 4));
  });

  it('matches no likely password', async () => {
    for (const pw of ['', 'password', 'admin', 'dummy', '123456']) {
      expect(await verifyPassword(pw, DUMMY_PASSWORD_HASH)).toBe(false);
    }
  });

  it('takes about as long to check as a real hash', async () => {
    const real = await hashPassword('pw');
    const runs = async (stored: string) => {
      const times: number[] = [];
      for (let i = 0; i < 3; i++) times.push(await elapsedMs(() => verifyPassword('wrong', stored)));
      return Math.min(...times);
    };
    const dummy = await runs(DUMMY_PASSWORD_HASH);
    const known = await runs(real);
    expect(dummy / known).toBeGreaterThan(0.5);
    expect(dummy / known).toBeLessThan(2);
  });
});
