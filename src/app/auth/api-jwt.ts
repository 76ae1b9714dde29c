import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { DomainError } from '../../domain/errors.ts';

/**
 * Verification of the client-made API tokens (SPEC §2): HS256 JWTs whose `kid` names an API
 * key and which are signed with that key's secret, used as raw UTF-8 bytes (as PyJWT does).
 *
 * Before the signature is checked, rejections say only what is wrong with the token's shape;
 * an unknown kid, a revoked key and a bad signature all get the same "Invalid token", so a
 * caller cannot probe which keys exist. Claim problems are reported precisely, because they
 * are only examined after the signature proved the caller holds the secret.
 *
 * jose decodes the header and payload, but the HMAC is computed here with node:crypto rather
 * than by jose's jwtVerify: jose 6 verifies through WebCrypto, which Node runs on the libuv
 * threadpool, the same four threads that scrypt logins, sharp and file I/O occupy. Measured:
 * with four password hashes in flight, jwtVerify waited ~120 ms (median) per request, where a
 * synchronous HMAC over a token of at most 8 KB takes a few microseconds.
 */
export interface ApiKeyRecord {
  secret: string;
  revoked: boolean;
  userId: string;
}

export interface JwtVerifyDeps {
  /** Infrastructure errors from here propagate unchanged: they are not the token's fault. */
  findKey(kid: string): Promise<ApiKeyRecord | null>;
  nowSeconds?: () => number;
  maxLifetimeSeconds: number;
  clockSkewSeconds?: number;
}

const MAX_TOKEN_LENGTH = 8 * 1024;
// Keys we issue are 32 hex characters; a generous bound still keeps junk away from the store.
const MAX_KID_LENGTH = 256;
const DEFAULT_CLOCK_SKEW_SECONDS = 30;
const INVALID = 'Invalid token';
// Three non-empty base64url segments: anything else is rejected before any parsing. This also
// guarantees the signing input is ASCII, so hashing it as a string hashes exactly its bytes.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export async function verifyApiJwt(token: string, deps: JwtVerifyDeps): Promise<{ apiKey: string; userId: string; exp: number }> {
  if (typeof token !== 'string' || token.length === 0) throw unauthorized('Missing token');
  if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('Token too large');
  if (!COMPACT_JWS.test(token)) throw unauthorized('Malformed token');

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw unauthorized('Malformed token');
  }
  if (header.alg !== 'HS256') throw unauthorized('Token must be signed with HS256');
  // No JWS extension is supported, and "crit" demands that unknown ones be refused (RFC 7515
  // §4.1.11); it is also how an unencoded payload ("b64": false) would be smuggled in.
  if (header.crit !== undefined) throw unauthorized('Token header "crit" is not supported');
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    throw unauthorized('Token header must name the API key in "kid"');
  }

  const record = await deps.findKey(kid);
  if (record === null || record.revoked || !signatureMatches(token, record.secret)) {
    throw unauthorized(INVALID);
  }

  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    throw unauthorized(INVALID);
  }
  const now = deps.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
  checkClaims(payload, kid, now, deps.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS, deps.maxLifetimeSeconds);
  // checkClaims has made sure exp is a number.
  return { apiKey: kid, userId: record.userId, exp: payload.exp as number };
}

function signatureMatches(token: string, secret: string): boolean {
  const dot = token.lastIndexOf('.');
  // A string key is hashed as its UTF-8 bytes, as PyJWT does with `api_secret.encode()`.
  const expected = Buffer.from(createHmac('sha256', secret).update(token.slice(0, dot)).digest('base64url'));
  const given = Buffer.from(token.slice(dot + 1));
  // Comparing the encoded text also refuses non-canonical base64url spellings of the same MAC.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function checkClaims(payload: JWTPayload, kid: string, now: number, skew: number, maxLifetime: number): void {
  if (payload.sub !== kid) throw unauthorized('Token "sub" must equal its "kid"');
  const { exp, iat, nbf } = payload;
  if (exp === undefined) throw unauthorized('Token lacks an "exp" claim');
  if (iat === undefined) throw unauthorized('Token lacks an "iat" claim');
  if (typeof exp !== 'number') throw unauthorized('Token "exp" must be a number');
  if (typeof iat !== 'number') throw unauthorized('Token "iat" must be a number');
  if (exp <= now - skew) throw unauthorized('Token expired');
  if (iat > now + skew) throw unauthorized('Token "iat" is in the future');
  if (nbf !== undefined && !(typeof nbf === 'number' && nbf <= now + skew)) throw unauthorized('Token is not valid yet ("nbf")');
  // Bounding the lifetime limits what a leaked token is worth, even one the client minted
  // with a far-off exp. It also catches the infinities JSON.parse makes of 1e400.
  if (exp - iat > maxLifetime) throw unauthorized(`Token lifetime exceeds ${maxLifetime} seconds`);
}

function unauthorized(message: string): DomainError {
  return new DomainError('UNAUTHORIZED', message);
}
