import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Encryption at rest for API secrets. HS256 verification needs the plaintext secret, so a
 * one-way hash is not an option; instead a database dump alone reveals nothing without the
 * key, which lives in the data dir (or comes from config) rather than in the database.
 *
 * Sealed format: `v1.<iv>.<tag>.<ciphertext>`, each base64url — AES-256-GCM with a random
 * 96-bit IV. The version prefix leaves room to change algorithm or key later.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  /** Throws when the text is malformed, was sealed under another key, or was altered. */
  open(sealed: string): string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) {
    throw new Error(`secret box key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
  // Copied so a caller reusing or zeroing its buffer cannot change the key underneath us.
  const ownKey = Buffer.from(key);

  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', ownKey, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `${VERSION}.${iv.toString('base64url')}.${tag.toString('base64url')}.${ciphertext.toString('base64url')}`;
    },

    open(sealed) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) {
        throw new Error('sealed secret is malformed or has an unknown version');
      }
      const iv = decodeBase64url(parts[1]);
      const tag = decodeBase64url(parts[2]);
      const ciphertext = decodeBase64url(parts[3]);
      if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === null) {
        throw new Error('sealed secret is malformed');
      }
      // authTagLength pins the tag size so a truncated tag cannot be accepted.
      const decipher = createDecipheriv('aes-256-gcm', ownKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('sealed secret failed authentication (wrong key or altered data)');
      }
    },
  };
}

/**
 * Parses a key given in config: 64 hex characters, or base64 / base64url of 32 bytes.
 * Error messages describe the problem but never echo the key.
 */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new Error(`secret key must be ${KEY_BYTES} bytes written as 64 hex characters or as base64; the value given is neither`);
  }
  const bytes = Buffer.from(trimmed.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
  if (bytes.length !== KEY_BYTES) {
    throw new Error(`secret key must be ${KEY_BYTES} bytes (64 hex characters or base64); the base64 value given decodes to ${bytes.length} bytes`);
  }
  return bytes;
}

/**
 * Reads the key file, or creates it with a fresh random key if it does not exist. The file
 * holds the raw 32 bytes; a hand-written file with the key as hex or base64 text is read too.
 *
 * Creation writes a temporary file (mode 0600) and hard-links it into place: link fails if
 * the name already exists, so two processes starting at once never end up with different
 * keys (rename would silently replace the first one's key), and a crash never leaves a
 * half-written key file under the real name.
 */
export function loadOrCreateKey(path: string): Buffer {
  const existing = readKeyFile(path);
  if (existing !== null) return existing;

  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(KEY_BYTES));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  syncDir(dir);
  // Read back rather than return what we wrote: if another process won the race, its key is
  // the one on disk.
  const key = readKeyFile(path);
  if (key === null) throw new Error(`secret key file ${path} disappeared while being created`);
  return key;
}

function readKeyFile(path: string): Buffer | null {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (content.length === KEY_BYTES) return content;
  try {
    return parseKey(content.toString('utf8'));
  } catch (err) {
    throw new Error(`secret key file ${path}: expected ${KEY_BYTES} raw bytes, 64 hex characters or base64 (${(err as Error).message})`);
  }
}

// Makes the new directory entry durable, so a power cut right after start cannot lose the
// key while secrets sealed with it are already committed to the database.
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms (Windows) cannot open or fsync directories; durability is best effort there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// Buffer's decoder skips characters it does not know and ignores spare trailing bits; only
// text that re-encodes to itself is accepted, so each sealed secret has exactly one spelling.
function decodeBase64url(text: string | undefined): Buffer | null {
  if (text === undefined) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}
