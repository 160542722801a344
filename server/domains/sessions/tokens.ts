import { createHash, hkdfSync, randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_LENGTH = 64;
// Bytes at or above 248 (= 4 × 62) are skipped, so every character is equally likely.
const UNBIASED_LIMIT = 248;

/** Maps bytes to a token without modulo bias; undefined if they run out first. */
function tokenFromBytes(bytes: Uint8Array): string | undefined {
  let token = '';
  for (const byte of bytes) {
    if (byte >= UNBIASED_LIMIT) continue;
    token += ALPHABET[byte % 62];
    if (token.length === TOKEN_LENGTH) return token;
  }
  return undefined;
}

/** A fresh token from the CSPRNG: 64 characters [A-Za-z0-9], about 381 bits. */
export function newToken(): string {
  for (;;) {
    const token = tokenFromBytes(randomBytes(96));
    if (token) return token;
  }
}

/**
 * The one successor of `token`: derived (HKDF) from the token and the session's random salt, so
 * that concurrent and repeated refreshes agree without storing any token in the clear. Deriving it
 * takes the token itself, which only its holder has; the database holds only hashes and salts.
 */
export function successorToken(token: string, rotationSalt: Buffer): string {
  for (let round = 0; ; round++) {
    const bytes = new Uint8Array(hkdfSync('sha256', token, rotationSalt, `azuma successor ${round}`, 128));
    const successor = tokenFromBytes(bytes);
    if (successor) return successor;
  }
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export function newRotationSalt(): Buffer {
  return randomBytes(16);
}
