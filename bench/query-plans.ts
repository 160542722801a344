// The query plans of the server's own statements on a database: the repositories are built over a
// connection that records every SQL text they prepare, so the plans are of exactly what the
// server runs, never of a copy that could drift.
import Database from 'better-sqlite3';
import type { Db } from '../server/db/sqlite/connection.js';
import { loginAttemptsRepository } from '../server/domains/accounts/sqlite/login-attempts.js';
import { usersRepository } from '../server/domains/accounts/sqlite/users.js';
import { sessionsRepository } from '../server/domains/sessions/sqlite/sessions.js';

export interface QueryPlan {
  repository: string;
  sql: string;
  /** EXPLAIN QUERY PLAN's lines, indented by depth. */
  plan: string[];
  /** Steps that read a whole table or index (SCAN) rather than search it: O(n) at any size. */
  scans: string[];
}

/** Placeholders bound to NULL: the plan depends on the statement, not on the values. */
function nullParameters(sql: string): unknown[] | Record<string, null> {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((match) => match[1]!))];
  if (named.length > 0) return Object.fromEntries(named.map((name) => [name, null]));
  return Array.from({ length: [...sql.matchAll(/\?/g)].length }, () => null);
}

/** A connection that notes every SQL text prepared on it; everything else goes to `db`. */
function recording(db: Db, seen: string[]): Db {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') {
        return (sql: string) => {
          seen.push(sql);
          return target.prepare(sql);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function queryPlans(path: string): QueryPlan[] {
  const db = new Database(path, { readonly: true });
  const repositories = { sessions: sessionsRepository, users: usersRepository, loginAttempts: loginAttemptsRepository };
  const plans: QueryPlan[] = [];
  try {
    for (const [repository, build] of Object.entries(repositories)) {
      const seen: string[] = [];
      build(recording(db, seen));
      for (const sql of seen) {
        const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(nullParameters(sql)) as { id: number; parent: number; detail: string }[];
        const depth = new Map<number, number>([[0, -1]]);
        const plan = rows.map((row) => {
          const level = (depth.get(row.parent) ?? -1) + 1;
          depth.set(row.id, level);
          return `${'  '.repeat(level)}${row.detail}`;
        });
        // "SCAN t USING COVERING INDEX" still reads all of it; a temp b-tree for ORDER BY is fine.
        const scans = rows.map((row) => row.detail).filter((detail) => /^SCAN (?!CONSTANT)/.test(detail));
        plans.push({ repository, sql: sql.replace(/\s+/g, ' ').trim(), plan, scans });
      }
    }
  } finally {
    db.close();
  }
  return plans;
}
