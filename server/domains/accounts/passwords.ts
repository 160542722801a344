import { randomBytes, timingSafeEqual } from 'node:crypto';
import { HashingBusyError } from './errors.js';
import { prepareHashThreads, scryptOnThread } from './hash-pool.js';

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
 * A hash that has waited `maxWaitMs` without starting is refused too: a queue long enough to
 * outlast the wait would otherwise hold its last requests for as long as the queue takes, while
 * their clients, told nothing, give up or are cut off. Refused, they learn to retry.
 */
function limiter(concurrency: number, queueLimit: number, maxWaitMs: number | undefined) {
  let running = 0;
  // Insertion-ordered, so the oldest starts first, and one that gives up leaves in constant time.
  const waiting = new Set<() => void>();
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const started = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer =
        maxWaitMs === undefined
          ? undefined
          : setTimeout(() => {
              waiting.delete(started);
              reject(new HashingBusyError('a password hash waited too long to start'));
            }, maxWaitMs);
      waiting.add(started);
    });
  return async function limited<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) {
      if (waiting.size >= queueLimit) throw new HashingBusyError('password hashing queue is full');
      // The slot it takes is handed over by the hash that finishes (below): `running` stays as is.
      await start();
    } else {
      running++;
    }
    try {
      return await work();
    } finally {
      const next = waiting.values().next();
      if (next.done) running--;
      else {
        waiting.delete(next.value);
        next.value();
      }
    }
  };
}

export interface HasherOptions {
  params: ScryptParams;
  /** AZUMA_HASH_CONCURRENCY. */
  concurrency: number;
  /** AZUMA_HASH_QUEUE. */
  queueLimit: number;
  /** How long a hash may wait for its turn before it is refused (503); unset, as long as the queue takes. */
  maxWaitMs?: number;
}

export function passwordHasher(options: HasherOptions): PasswordHasher {
  // Now, as the server is built: a thread's code missing later must not turn sign-ins into 500s.
  prepareHashThreads();
  const limited = limiter(options.concurrency, options.queueLimit, options.maxWaitMs);
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
