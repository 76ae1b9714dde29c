import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox, loadOrCreateKey, parseKey } from './secret-box.ts';

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const FORMAT = /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/;

/** Replaces one character of part `index` so that the decoded bytes really change. */
function alterPart(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[0]! ^= 0x80;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('createSecretBox', () => {
  const box = createSecretBox(KEY);

  it.each([['an API secret', 'q8Zr2yN4vB7xK1mP0sT6uW9eA3dF5gH-jL_cV2bN8xQ'], ['empty', ''], ['unicode', 'sécret-秘密-🔑'], ['long', 'x'.repeat(100_000)]])(
    'round-trips %s',
    (_label, plaintext) => {
      const sealed = box.seal(plaintext);
      expect(sealed).toMatch(FORMAT);
      expect(box.open(sealed)).toBe(plaintext);
    },
  );

  it('hides the plaintext and never repeats a ciphertext', () => {
    const secret = 'q8Zr2yN4vB7xK1mP0sT6uW9eA3dF5gH-jL_cV2bN8xQ';
    const a = box.seal(secret);
    const b = box.seal(secret);
    expect(a).not.toBe(b);
    expect(a.split('.')[1]).not.toBe(b.split('.')[1]);
    expect(a).not.toContain(secret);
    expect(Buffer.from(a.split('.')[3]!, 'base64url').toString('latin1')).not.toContain(secret.slice(0, 8));
  });

  it('opens text made by plain AES-256-GCM in the documented v1.<iv>.<tag>.<ciphertext> layout', () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', KEY, iv);
    const ciphertext = Buffer.concat([cipher.update('interop', 'utf8'), cipher.final()]);
    const sealed = `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ciphertext.toString('base64url')}`;
    expect(box.open(sealed)).toBe('interop');
  });

  it('throws on a changed IV, tag or ciphertext', () => {
    const sealed = box.seal('do not touch');
    for (const index of [1, 2, 3]) {
      expect(() => box.open(alterPart(sealed, index))).toThrow(/authentication/);
    }
  });

  it('throws on a non-canonical base64url spelling', () => {
    const [v, iv, tag, ct] = box.seal('abc').split('.') as [string, string, string, string];
    // 16 tag bytes take 22 characters; the last one carries 4 spare bits, ignored by decoders.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = tag.slice(0, -1) + alphabet[alphabet.indexOf(tag.at(-1)!) ^ 1];
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(tag, 'base64url'))).toBe(true);
    expect(() => box.open([v, iv, respelled, ct].join('.'))).toThrow(/malformed/);
  });

  it('throws when opened with another key', () => {
    const sealed = box.seal('mine');
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow(/authentication/);
  });

  it('throws on a truncated tag rather than accepting a shorter one', () => {
    const [v, iv, tag, ct] = box.seal('short tag').split('.') as [string, string, string, string];
    const short = Buffer.from(tag, 'base64url').subarray(0, 12).toString('base64url');
    expect(() => box.open([v, iv, short, ct].join('.'))).toThrow(/malformed/);
  });

  it.each([
    ['empty', ''],
    ['unknown version', 'v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA'],
    ['missing part', 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['extra part', 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA.AAAA'],
    ['non-base64url characters', 'v1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAA+/.AAAA'],
    ['short IV', 'v1.AAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA'],
    ['plaintext', 'just a secret'],
  ])('throws on %s input', (_label, sealed) => {
    expect(() => box.open(sealed)).toThrow(/malformed/);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes, got 16/);
    expect(() => createSecretBox(Buffer.alloc(0))).toThrow(/32 bytes/);
  });

  it('keeps its own copy of the key', () => {
    const key = Buffer.from(KEY);
    const own = createSecretBox(key);
    const sealed = own.seal('stable');
    key.fill(0);
    expect(own.open(sealed)).toBe('stable');
  });
});

describe('parseKey', () => {
  const hex = KEY.toString('hex');

  it('reads 64 hex characters, either case, ignoring surrounding whitespace', () => {
    expect(parseKey(hex).equals(KEY)).toBe(true);
    expect(parseKey(hex.toUpperCase()).equals(KEY)).toBe(true);
    expect(parseKey(`  ${hex}\n`).equals(KEY)).toBe(true);
  });

  it('reads base64 and base64url, with or without padding', () => {
    const key = Buffer.from('fbff' + 'ab'.repeat(30), 'hex'); // encodes with + and / in base64
    expect(key.toString('base64')).toMatch(/[+/]/);
    for (const text of [key.toString('base64'), key.toString('base64').replace(/=+$/, ''), key.toString('base64url')]) {
      expect(parseKey(text).equals(key)).toBe(true);
    }
  });

  it('names the problem for the wrong length, without echoing the key', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parseKey(short)).toThrow(/32 bytes.*decodes to 16 bytes/);
    try {
      parseKey(short);
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
    expect(() => parseKey(hex.slice(0, 62))).toThrow(/32 bytes/);
  });

  it.each([[''], ['not a key!'], ['zz'.repeat(32)], ['ab cd']])('rejects %j as neither hex nor base64', (text) => {
    expect(() => parseKey(text)).toThrow(/64 hex characters or .*base64/);
  });
});

describe('loadOrCreateKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-key-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a random 32-byte key with mode 0600, creating missing directories (0700)', () => {
    const path = join(dir, 'nested', 'deeper', 'secret.key');
    const key = loadOrCreateKey(path);
    expect(key).toHaveLength(32);
    expect(readFileSync(path).equals(key)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested', 'deeper')).mode & 0o777).toBe(0o700);
    expect(key.equals(Buffer.alloc(32))).toBe(false);
  });

  it('returns the same key on every later call and leaves no temporary files', () => {
    const path = join(dir, 'secret.key');
    const first = loadOrCreateKey(path);
    expect(loadOrCreateKey(path).equals(first)).toBe(true);
    expect(readdirSync(dir)).toEqual(['secret.key']);
  });

  it('makes a different key for a different data dir', () => {
    expect(loadOrCreateKey(join(dir, 'a.key')).equals(loadOrCreateKey(join(dir, 'b.key')))).toBe(false);
  });

  it('never replaces an existing key file', () => {
    const path = join(dir, 'secret.key');
    writeFileSync(path, KEY);
    expect(loadOrCreateKey(path).equals(KEY)).toBe(true);
    expect(readFileSync(path).equals(KEY)).toBe(true);
  });

  it('reads a hand-written hex or base64 key file', () => {
    writeFileSync(join(dir, 'hex.key'), `${KEY.toString('hex')}\n`);
    writeFileSync(join(dir, 'b64.key'), KEY.toString('base64'));
    expect(loadOrCreateKey(join(dir, 'hex.key')).equals(KEY)).toBe(true);
    expect(loadOrCreateKey(join(dir, 'b64.key')).equals(KEY)).toBe(true);
  });

  it('refuses a key file of the wrong size, naming the file', () => {
    const path = join(dir, 'secret.key');
    writeFileSync(path, randomBytes(31));
    expect(() => loadOrCreateKey(path)).toThrow(path);
    expect(readFileSync(path)).toHaveLength(31);
  });

  it('reports I/O problems other than a missing file', () => {
    const path = join(dir, 'is-a-directory');
    mkdirSync(path);
    expect(() => loadOrCreateKey(path)).toThrow(/EISDIR/);
  });

  it('gives a box that opens what a box with the same loaded key sealed', () => {
    const path = join(dir, 'secret.key');
    const sealed = createSecretBox(loadOrCreateKey(path)).seal('persisted');
    expect(createSecretBox(loadOrCreateKey(path)).open(sealed)).toBe('persisted');
  });
});
