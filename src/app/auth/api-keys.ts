import { randomBytes } from 'node:crypto';

/**
 * A new API credential pair (SPEC §2). The key is the JWT `kid`, sent in every request, so it
 * is an identifier rather than a secret, but it is still random (128 bits) so keys cannot be
 * enumerated. Lower-case hex keeps it safe in URLs, headers, shell arguments (never starts
 * with "-") and case-insensitive copy paths. The secret is the HMAC key: 256 bits, base64url.
 */
export function generateApiKeyPair(): { apiKey: string; apiSecret: string } {
  return {
    apiKey: randomBytes(16).toString('hex'),
    apiSecret: randomBytes(32).toString('base64url'),
  };
}
