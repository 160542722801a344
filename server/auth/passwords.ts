import { randomBytes, timingSafeEqual } from 'node:crypto';
import { scryptOnThread } from './hash-threads.js';

/** scrypt cost, as in the PHC string: N = 2^ln. */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/**
 * OWASP Password Storage Cheat Sheet: N=2^14, r=8, p=5 is one of its equivalent minimum
 * configurations; of them it uses the least memory (16 MiB per hash), which keeps a bounded
 * number of concurrent hashes cheap.
 */
export const OWASP_SCRYPT: ScryptParams = Object.freeze({ ln: 14, r: 8, p: 5 });
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export class HashingBusyError extends Error {
  override name = 'HashingBusyError';
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-cost check; a malformed stored hash simply does not match. */
  verify(password: string, stored: string): Promise<boolean>;
  /** Spends the same work as a real verify, for names with no account. */
  verifyDummy(password: string): Promise<false>;
}

function derive(password: string, salt: Buffer, { ln, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** ln;
  // On a hashing thread of the lowest priority: the event loop keeps serving other requests first.
  return scryptOnThread({
    password: password.normalize('NFC'),
    salt,
    keyLength: KEY_LENGTH,
    options: { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
  });
}

function encode(params: ScryptParams, salt: Buffer, key: Buffer): string {
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function decode(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const m = PHC.exec(stored);
  if (!m) return undefined;
  return {
    params: { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) },
    salt: Buffer.from(m[4]!, 'base64'),
    key: Buffer.from(m[5]!, 'base64'),
  };
}

/**
 * A semaphore in front of scrypt: at most `concurrency` hashes run and `queueLimit` wait; past
 * that, work is refused at once (HashingBusyError → 503) instead of piling up memory and latency.
 */
function limiter(concurrency: number, queueLimit: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async function limited<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) {
      if (waiting.length >= queueLimit) throw new HashingBusyError('password hashing queue is full');
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export function passwordHasher(options: { params: ScryptParams; concurrency: number; queueLimit: number }): PasswordHasher {
  const limited = limiter(options.concurrency, options.queueLimit);
  const dummy = { params: options.params, salt: randomBytes(SALT_LENGTH), key: randomBytes(KEY_LENGTH) };

  const check = async (password: string, params: ScryptParams, salt: Buffer, key: Buffer) => {
    const derived = await limited(() => derive(password, salt, params));
    return derived.length === key.length && timingSafeEqual(derived, key);
  };

  return {
    async hash(password) {
      const salt = randomBytes(SALT_LENGTH);
      const key = await limited(() => derive(password, salt, options.params));
      return encode(options.params, salt, key);
    },
    async verify(password, stored) {
      const decoded = decode(stored);
      if (!decoded) return false;
      return check(password, decoded.params, decoded.salt, decoded.key);
    },
    async verifyDummy(password) {
      await check(password, dummy.params, dummy.salt, dummy.key);
      return false;
    },
  };
}
