// Migrations 3 and 5. 3: every account's identity key and confusable skeleton under the RFC 8265 rules.
// Names registered under the older rules keep working: their key is computed by the same
// mappings (a name the rules would now refuse still gets one), and accounts that now share a
// key or a skeleton are reported, never merged or refused.

import type { Db } from '../../../db/sqlite/connection.js';
import type { Warn } from '../../../db/store.js';
import { nameIdentity } from '../name-identity.js';
import { type ExistingAccount, writtenSkeletons } from '../written-skeletons.js';

interface Account {
  id: string;
  name: string;
  createdAt: number;
}

export function recomputeNameIdentities(db: Db, warn: Warn): void {
  db.exec(`
    ALTER TABLE users ADD COLUMN name_skeleton TEXT NOT NULL DEFAULT '';  -- UTS #39 skeleton of name_key
    DROP INDEX users_name_key;
    CREATE INDEX users_name_key ON users (name_key, created_at, id);
    CREATE INDEX users_name_skeleton ON users (name_skeleton);
  `);
  const update = db.prepare<{ id: string; key: string; skeleton: string }>(
    'UPDATE users SET name_key = @key, name_skeleton = @skeleton WHERE id = @id',
  );
  const accounts = db.prepare<[], Account>('SELECT id, name, created_at AS createdAt FROM users ORDER BY created_at, id').all();
  const bySkeleton = new Map<string, { account: Account; key: string }[]>();
  for (const account of accounts) {
    const { key, skeleton } = nameIdentity(account.name);
    update.run({ id: account.id, key, skeleton });
    const alike = bySkeleton.get(skeleton) ?? [];
    alike.push({ account, key });
    bySkeleton.set(skeleton, alike);
  }
  // Each pair once, older first: a key shared is one name (login by it reaches the older
  // account), a skeleton shared is two names that look alike (both still sign in).
  for (const group of bySkeleton.values()) {
    for (const [i, older] of group.entries()) {
      for (const newer of group.slice(i + 1)) {
        const sameName = older.key === newer.key;
        const describe = ({ account }: typeof older) => ({ id: account.id, name: account.name });
        warn(
          sameName
            ? `accounts "${older.account.name}" and "${newer.account.name}" are now one name: login by it reaches the older, ${older.account.id}; the newer keeps its sessions`
            : `accounts "${older.account.name}" and "${newer.account.name}" look alike (one confusable skeleton): both still sign in`,
          { nameCollision: sameName ? 'same name' : 'look-alike', older: describe(older), newer: describe(newer) },
        );
      }
    }
  }
}

/** Migration 5: every account's written skeleton (contract 1.3.1, see ../written-skeletons.ts). */
export function addWrittenSkeletons(db: Db, warn: Warn): void {
  db.exec(`
    ALTER TABLE users ADD COLUMN name_skeleton_written TEXT NOT NULL DEFAULT '';  -- UTS #39 skeleton of name, lower-cased, skeletonised again
    CREATE INDEX users_name_skeleton_written ON users (name_skeleton_written);
  `);
  const accounts = db.prepare<[], ExistingAccount>('SELECT id, name FROM users ORDER BY created_at, id').all();
  const update = db.prepare<[string, string]>('UPDATE users SET name_skeleton_written = ? WHERE id = ?');
  for (const [id, written] of writtenSkeletons(accounts, warn)) update.run(written, id);
}
