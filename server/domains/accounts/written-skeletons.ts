// Contract 1.3.1: a name also looks like an account's when their skeletons of the names as
// written meet, letter case set aside (`CIara` and `clara`, see name-identity.ts).
// Both engines' migrations compute that skeleton for every existing account here. Accounts that
// now look alike keep signing in; the operator hears of each pair once.

import type { Warn } from '../../db/store.js';
import { nameIdentity } from './name-identity.js';

export interface ExistingAccount {
  id: string;
  name: string;
}

/** Each account's written skeleton, for accounts oldest first; warns of pairs it newly makes look-alikes. */
export function writtenSkeletons(accounts: readonly ExistingAccount[], warn: Warn): Map<string, string> {
  const computed = new Map<string, string>();
  const identities = accounts.map((account) => ({ account, ...nameIdentity(account.name) }));
  const bySkeleton = new Map<string, number[]>();
  for (const [i, { account, skeleton, writtenSkeleton }] of identities.entries()) {
    computed.set(account.id, writtenSkeleton);
    for (const value of new Set([skeleton, writtenSkeleton])) bySkeleton.set(value, [...(bySkeleton.get(value) ?? []), i]);
  }
  const reported = new Set<string>();
  for (const group of bySkeleton.values()) {
    for (const [n, i] of group.entries()) {
      for (const j of group.slice(n + 1)) {
        const older = identities[i]!;
        const newer = identities[j]!;
        // One key or one key skeleton: one name or look-alikes already, reported when the rules came (migration 3).
        if (older.key === newer.key || older.skeleton === newer.skeleton || reported.has(`${i} ${j}`)) continue;
        reported.add(`${i} ${j}`);
        const describe = ({ account }: typeof older) => ({ id: account.id, name: account.name });
        warn(`accounts "${older.account.name}" and "${newer.account.name}" look alike once letter case is set aside: both still sign in`, {
          nameCollision: 'look-alike',
          older: describe(older),
          newer: describe(newer),
        });
      }
    }
  }
  return computed;
}
