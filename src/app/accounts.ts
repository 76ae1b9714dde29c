import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import type { Role, User } from '../domain/types.ts';
import type { Store } from '../ports/store.ts';
import { verifyApiJwt } from './auth/api-jwt.ts';
import { generateApiKeyPair } from './auth/api-keys.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './auth/password-hash.ts';
import type { SecretBox } from './auth/secret-box.ts';

export interface AccountDeps {
  store: Store;
  secretBox: SecretBox;
  jwtMaxLifetimeSeconds: number;
  sessionTtlSeconds: number;
  /** Tokens verified recently (see userFromJwt); created by the container, one per process. */
  verifiedTokens: Map<string, { user: User; apiKey: string; until: number }>;
  /** When this process last recorded each key's use (see noteKeyUse); one per process. */
  keyUseNoted: Map<string, number>;
}

/**
 * How long a verified token is trusted without checking it again. Revocation through this
 * process clears it at once; a revocation made by another process sharing the database takes
 * effect within this time.
 */
const VERIFIED_TOKEN_MS = 1000;
const MAX_VERIFIED_TOKENS = 10_000;
/** A key's "last used" is written at most this often, so requests do not each cost a write. */
export const KEY_USE_RESOLUTION_MS = 60_000;

export const API_KEY_MESSAGE = "API key created. Write down the secret – it's only shown once!";

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function normaliseEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e) || e.length > 320) throw new DomainError('BAD_REQUEST', `Invalid email address: ${email}`);
  return e;
}

function checkPassword(password: string): void {
  if (password.length < 8) throw new DomainError('BAD_REQUEST', 'Password must be at least 8 characters long');
  if (password.length > 1024) throw new DomainError('BAD_REQUEST', 'Password is too long');
}

export async function addUser(deps: AccountDeps, input: { email: string; password: string; role: Role }): Promise<User> {
  checkPassword(input.password);
  return deps.store.users.create({ email: normaliseEmail(input.email), passwordHash: await hashPassword(input.password), role: input.role });
}

/** Makes sure the configured admin exists with the configured password (STRATA_ADMIN_*). */
export async function ensureAdmin(deps: AccountDeps, email: string, password: string): Promise<User> {
  checkPassword(password);
  return deps.store.users.upsert({ email: normaliseEmail(email), passwordHash: await hashPassword(password), role: 'admin' });
}

/** Who STRATA_AUTH=none serves when no admin is configured: an admin nobody can log in as. */
export const LOCAL_USER_EMAIL = 'local@localhost';

/**
 * The one user of STRATA_AUTH=none, made at start: the configured admin (STRATA_ADMIN_EMAIL),
 * or LOCAL_USER_EMAIL with a random password nobody is told.
 */
export async function ensureLocalUser(deps: AccountDeps, adminEmail: string | null): Promise<User> {
  const email = adminEmail === null ? LOCAL_USER_EMAIL : normaliseEmail(adminEmail);
  const existing = await deps.store.users.findByEmail(email);
  if (existing) return existing;
  return deps.store.users.upsert({ email, passwordHash: await hashPassword(randomBytes(32).toString('base64url')), role: 'admin' });
}

/** Checks a password and opens a session; the returned token goes in the SESSION cookie. */
export async function login(deps: AccountDeps, username: string, password: string): Promise<{ token: string; user: User; maxAgeSeconds: number }> {
  const user = await deps.store.users.findByEmail(username.trim().toLowerCase());
  // Unknown users cost the same hash as known ones, so timing does not reveal which emails exist.
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !ok) throw new DomainError('UNAUTHORIZED', 'Invalid username or password');
  const token = randomBytes(32).toString('base64url');
  await deps.store.users.addSession({ tokenHash: hashToken(token), userId: user.id, expiresAt: Math.floor(Date.now() / 1000) + deps.sessionTtlSeconds });
  const { passwordHash: _, ...plain } = user;
  return { token, user: plain, maxAgeSeconds: deps.sessionTtlSeconds };
}

export async function logout(deps: AccountDeps, token: string): Promise<void> {
  await deps.store.users.deleteSession(hashToken(token));
}

export async function userFromSession(deps: AccountDeps, token: string): Promise<User> {
  const session = await deps.store.users.findSession(hashToken(token));
  if (!session || session.expiresAt <= Math.floor(Date.now() / 1000)) throw new DomainError('UNAUTHORIZED', 'Session expired or invalid');
  const user = await deps.store.users.findById(session.userId);
  if (!user) throw new DomainError('UNAUTHORIZED', 'Session expired or invalid');
  return user;
}

/**
 * Verifies a client-made JWT (SPEC §2) and returns its user. Scripts poll with the same token
 * many times a second, so a verified token is remembered briefly (never past its `exp`).
 */
export async function userFromJwt(deps: AccountDeps, token: string): Promise<User> {
  const now = Date.now();
  const known = deps.verifiedTokens.get(token);
  if (known && known.until > now) {
    await noteKeyUse(deps, known.apiKey, now);
    return known.user;
  }
  const { userId, apiKey, exp } = await verifyJwtWithStore(deps, token);
  const user = await deps.store.users.findById(userId);
  if (!user) throw new DomainError('UNAUTHORIZED', 'Invalid token');
  if (deps.verifiedTokens.size >= MAX_VERIFIED_TOKENS) deps.verifiedTokens.clear();
  deps.verifiedTokens.set(token, { user, apiKey, until: Math.min(now + VERIFIED_TOKEN_MS, exp * 1000) });
  await noteKeyUse(deps, apiKey, now);
  return user;
}

/**
 * Records a key's use: a map lookup for most requests, and an update at most once a
 * KEY_USE_RESOLUTION_MS per key and process (the update itself skips keys another process
 * recorded within that time).
 */
async function noteKeyUse(deps: AccountDeps, apiKey: string, now: number): Promise<void> {
  const noted = deps.keyUseNoted.get(apiKey);
  if (noted !== undefined && now - noted < KEY_USE_RESOLUTION_MS) return;
  if (deps.keyUseNoted.size >= MAX_VERIFIED_TOKENS) deps.keyUseNoted.clear();
  deps.keyUseNoted.set(apiKey, now);
  await deps.store.users.noteApiKeyUse(apiKey, new Date(now), KEY_USE_RESOLUTION_MS);
}

function verifyJwtWithStore(deps: AccountDeps, token: string): Promise<{ userId: string; apiKey: string; exp: number }> {
  return verifyApiJwt(token, {
    maxLifetimeSeconds: deps.jwtMaxLifetimeSeconds,
    findKey: async (kid) => {
      const key = await deps.store.users.findApiKey(kid);
      if (!key) return null;
      return { secret: deps.secretBox.open(key.secretSealed), revoked: key.revoked, userId: key.userId };
    },
  });
}

/** A new key pair; the secret is returned once and kept only encrypted. */
export async function createApiCredentials(deps: AccountDeps, userId: string): Promise<{ api_key: string; api_secret: string; message: string }> {
  const { apiKey, apiSecret } = generateApiKeyPair();
  await deps.store.users.addApiKey({ apiKey, userId, secretSealed: deps.secretBox.seal(apiSecret) });
  return { api_key: apiKey, api_secret: apiSecret, message: API_KEY_MESSAGE };
}

/** The user's keys that still work, oldest first: ids, creation and last-use times, never the secrets. */
export async function listApiKeys(deps: AccountDeps, user: User): Promise<Array<{ api_key: string; created_at: string; last_used_at: string | null }>> {
  const keys = await deps.store.users.listApiKeys(user.id);
  return keys.filter((k) => !k.revoked).map((k) => ({ api_key: k.apiKey, created_at: k.createdAt, last_used_at: k.lastUsedAt }));
}

export async function createApiCredentialsFor(deps: AccountDeps, email: string) {
  const user = await deps.store.users.findByEmail(normaliseEmail(email));
  if (!user) throw new DomainError('NOT_FOUND', `No user with email ${email}`);
  return createApiCredentials(deps, user.id);
}

export async function revokeApiKey(deps: AccountDeps, user: User, apiKey: string): Promise<void> {
  const key = await deps.store.users.findApiKey(apiKey);
  if (!key || (key.userId !== user.id && user.role !== 'admin')) throw new DomainError('NOT_FOUND', 'API key not found');
  await deps.store.users.revokeApiKey(apiKey);
  for (const [token, entry] of deps.verifiedTokens) if (entry.apiKey === apiKey) deps.verifiedTokens.delete(token);
}
