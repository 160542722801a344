// Ids that tell nothing but the second they were made in: the ObjectId form the reference shows,
// whose bytes after the timestamp come from the CSPRNG, so two ids of one's own do not reveal
// how many accounts or sessions began between them.
import { describe, expect, it } from 'vitest';
import { newObjectId } from '../server/platform/ids.js';

const SECOND = 1_767_225_600_000;

describe('newObjectId', () => {
  const ids = Array.from({ length: 1000 }, () => newObjectId(SECOND + 500));

  it('when ids are made in one second, then each is 24 lowercase hex beginning with that second and none repeats', () => {
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{24}$/);
      expect(Number.parseInt(id.slice(0, 8), 16)).toBe(SECOND / 1000);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when ids are made in one second, then they share no middle bytes and their tails do not count up', () => {
    // ObjectId's own layout keeps 5 bytes per process and counts in the last 3.
    const middles = new Set(ids.map((id) => id.slice(8, 18)));
    expect(middles.size).toBe(ids.length);
    const tails = ids.map((id) => Number.parseInt(id.slice(18), 16));
    const consecutive = tails.slice(1).filter((tail, i) => tail === (tails[i]! + 1) % 0x1000000).length;
    expect(consecutive).toBe(0);
  });

  it('when many ids are made, then every bit after the timestamp varies, as random bytes do', () => {
    const bits = (id: string) => BigInt(`0x${id.slice(8)}`);
    let ones = 0n;
    let zeros = 0n;
    for (const id of ids) {
      ones |= bits(id);
      zeros |= ~bits(id) & ((1n << 64n) - 1n);
    }
    expect(ones).toBe((1n << 64n) - 1n);
    expect(zeros).toBe((1n << 64n) - 1n);
  });
});
