import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password storage with scrypt (memory-hard, in node:crypto, no native add-on). The cost
 * parameters travel inside each stored string so they can be raised later without breaking
 * existing hashes: `scrypt$N$r$p$<salt base64>$<hash base64>`.
 */

const N = 2 ** 15;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const HASH_BYTES = 32;

// Stored strings are read back from the database; bounding what verify accepts keeps a
// corrupted or planted row from asking for gigabytes of memory or minutes of CPU.
const MAX_N = 2 ** 17;
const MAX_R = 16;
const MAX_P = 4;

/**
 * A well-formed hash with the current parameters whose password nobody knows (it was made
 * from random bytes that were thrown away). Verifying against it when an email is unknown
 * makes that login cost the same scrypt work as a wrong password for a known email, so
 * response time does not reveal which emails have accounts.
 */
export const DUMMY_PASSWORD_HASH =
  'scrypt$32768$8$1$amr2bRaEs7LIZa+zRuOn2g==$6sGr7z2jcbzVI5/n85iPHQ7YEEm1oepeSHRBqq4SkcE=';

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(password, salt, HASH_BYTES, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** False for a wrong password and for any stored string this module could not have written. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStored(stored);
  if (parsed === null) return false;
  const { n, r, p, salt, hash } = parsed;
  const candidate = await scryptAsync(password, salt, hash.length, n, r, p);
  return timingSafeEqual(candidate, hash);
}

interface ParsedHash {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseStored(stored: string): ParsedHash | null {
  if (typeof stored !== 'string') return null;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const n = parseParam(parts[1], MAX_N);
  const r = parseParam(parts[2], MAX_R);
  const p = parseParam(parts[3], MAX_P);
  const salt = decodeBase64(parts[4]);
  const hash = decodeBase64(parts[5]);
  if (n === null || r === null || p === null || salt === null || hash === null) return null;
  // scrypt needs N to be a power of two greater than 1.
  if (n < 2 || (n & (n - 1)) !== 0) return null;
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { n, r, p, salt, hash };
}

function parseParam(text: string | undefined, max: number): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,9}$/.test(text)) return null;
  const value = Number(text);
  return value <= max ? value : null;
}

// Buffer.from(…, 'base64') silently skips invalid characters; a stored hash must round-trip
// exactly, or it was not written by us.
function decodeBase64(text: string | undefined): Buffer | null {
  if (text === undefined) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

function scryptAsync(password: string, salt: Buffer, keylen: number, n: number, r: number, p: number): Promise<Buffer> {
  // OpenSSL needs about 128·r·(N + p + 2) bytes; Node's default ceiling (32 MiB) is just
  // below what N = 2^15, r = 8 requires, so the limit is derived from the parameters.
  const options: ScryptOptions = { N: n, r, p, maxmem: 128 * r * (n + p + 2) + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
