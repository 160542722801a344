// Passwords hash on threads of their own at the lowest CPU priority: what that changes, and what it must not.
import { randomBytes, scryptSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HashingBusyError } from '../server/domains/accounts/errors.js';
import { scryptOnThread } from '../server/domains/accounts/hash-pool.js';
import { OWASP_SCRYPT, passwordHasher } from '../server/domains/accounts/passwords.js';
import { TEST_SCRYPT as CHEAP } from './support/server.js';

/** Each thread of this process and its nice value (field 19 of /proc/…/stat, after the command's closing parenthesis). */
const niceValues = () =>
  readdirSync('/proc/self/task').map((tid) => {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { tid: Number(tid), nice: Number(fields[16]) };
  });

describe('password hashing threads', () => {
  it('when a password is hashed, then the hash is scrypt of it, the same as a hash made in the process', async () => {
    const salt = randomBytes(16);
    const options = { N: 2 ** CHEAP.ln, r: CHEAP.r, p: CHEAP.p };
    const key = await scryptOnThread({ password: 'corréct horse', salt, keyLength: 32, options });
    expect(key.equals(scryptSync('corréct horse', salt, 32, options))).toBe(true);

    const hasher = passwordHasher({ params: CHEAP, concurrency: 2, queueLimit: 4 });
    const stored = await hasher.hash('correct horse battery');
    await expect(hasher.verify('correct horse battery', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse batterx', stored)).resolves.toBe(false);
  });

  it('when a hash fails on its thread, then its caller gets the error and the next hash is served', async () => {
    const salt = randomBytes(16);
    await expect(scryptOnThread({ password: 'x', salt, keyLength: 32, options: { N: 3 } })).rejects.toThrow(/N|scrypt/i);
    const key = await scryptOnThread({ password: 'x', salt, keyLength: 32, options: { N: 1024 } });
    expect(key).toHaveLength(32);
  });

  it('when a queued hash cannot start within its wait, then it is refused as busy, and the queue serves on', async () => {
    // One real-cost hash holds the only slot far longer than the wait the next one is allowed.
    const hasher = passwordHasher({ params: OWASP_SCRYPT, concurrency: 1, queueLimit: 4, maxWaitMs: 1 });
    const first = hasher.hash('correct horse one');
    await expect(hasher.hash('correct horse two')).rejects.toBeInstanceOf(HashingBusyError);
    await expect(first).resolves.toMatch(/^\$scrypt\$/);
    // The refused one gave up its place, not a slot: the next hash starts at once.
    await expect(hasher.hash('correct horse three')).resolves.toMatch(/^\$scrypt\$/);
  });

  it.runIf(process.platform === 'linux')(
    'when hashes run, then their threads are at nice 19 and the event loop’s thread keeps its priority',
    async () => {
      const before = new Set(niceValues().map((thread) => thread.tid));
      const hasher = passwordHasher({ params: CHEAP, concurrency: 3, queueLimit: 4 });
      await Promise.all([hasher.hash('a password one'), hasher.hash('a password two'), hasher.hash('a password three')]);
      const threads = niceValues();
      const started = threads.filter((thread) => !before.has(thread.tid));
      expect(started.filter((thread) => thread.nice === 19).length).toBeGreaterThanOrEqual(1);
      expect(threads.find((thread) => thread.tid === process.pid)?.nice ?? 0).toBe(0);
    },
  );
});
