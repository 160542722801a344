import { randomFillSync } from 'node:crypto';

// MongoDB ObjectId's form, as the reference shows it: a 4-byte seconds timestamp, then 8 bytes.
// Those 8 are all from the CSPRNG, not ObjectId's per-process bytes and counter: from two ids of
// their own, anyone could otherwise read how many accounts and sessions began in between. Ids
// still sort by the second they were made in, never within it.
const ID_RANDOM = 8;
const POOL_IDS = 128;
// One CSPRNG call fills the random bytes of many ids; each is used once, then the pool refills.
const pool = Buffer.alloc(ID_RANDOM * POOL_IDS);
let used = POOL_IDS;

export function newObjectId(nowMs: number): string {
  if (used === POOL_IDS) {
    randomFillSync(pool);
    used = 0;
  }
  const id = Buffer.allocUnsafe(12);
  id.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 0);
  pool.copy(id, 4, used * ID_RANDOM, (used + 1) * ID_RANDOM);
  used++;
  return id.toString('hex');
}
