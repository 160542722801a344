// The two engines' migrations build one schema: after migrating a fresh database on each, the
// same tables, columns (name, nullability, type family), primary keys, unique constraints,
// indexes and foreign keys. Each repository is written once per engine (server/domains/*/sqlite,
// */postgres) and held to one behaviour suite (test/repositories/); this holds their tables equal.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/sqlite/connection.js';
import { openDatabase } from '../../server/db/sqlite/open.js';
import { newPostgresDatabase } from '../support/postgres.js';

/** One table as both engines can describe it. */
interface Table {
  /** Column name → type family, and `not null` when it is. */
  columns: Record<string, string>;
  primaryKey: string[];
  /** `unique (a, b)` or `(a, b)`, sorted: by columns, whatever each engine names them. */
  indexes: string[];
  /** `(a) → table (b) on delete cascade`, sorted. */
  foreignKeys: string[];
}
type Schema = Record<string, Table>;

/**
 * Only PostgreSQL has it: the single-list version marker from before per-domain versions (see
 * server/db/migrations.ts), which SQLite keeps in PRAGMA user_version rather than in a table.
 */
const POSTGRES_LEGACY_MARKER = 'schema_version';

/** What each engine's declared types store: SQLite's INTEGER holds what BIGINT and INTEGER do. */
const FAMILIES: Record<string, string> = {
  'sqlite INTEGER': 'integer',
  'sqlite TEXT': 'text',
  'sqlite BLOB': 'bytes',
  'sqlite REAL': 'real',
  'postgres bigint': 'integer',
  'postgres integer': 'integer',
  'postgres smallint': 'integer',
  'postgres text': 'text',
  'postgres bytea': 'bytes',
  'postgres double precision': 'real',
};
/** A type with no family here shows as itself, so a mismatch names it. */
const family = (engine: 'sqlite' | 'postgres', type: string) => FAMILIES[`${engine} ${type}`] ?? `${engine} ${type}`;
const column = (type: string, notNull: boolean) => (notNull ? `${type} not null` : type);
const index = (columns: string, unique: boolean) => `${unique ? 'unique ' : ''}(${columns})`;
const foreignKey = (columns: string, table: string, referenced: string, onDelete: string) =>
  `(${columns}) → ${table} (${referenced}) on delete ${onDelete.toLowerCase()}`;

function sqliteSchema(db: Db): Schema {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .all();
  return Object.fromEntries(
    tables.map(({ name }) => {
      const info = db.pragma(`table_info(${name})`) as { name: string; type: string; notnull: number; pk: number }[];
      const keyed = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
      const indexes = (db.pragma(`index_list(${name})`) as { name: string; unique: number; origin: string }[])
        .filter((i) => i.origin !== 'pk')
        .map((i) => index((db.pragma(`index_info(${i.name})`) as { name: string }[]).map((c) => c.name).join(', '), i.unique === 1));
      const references = db.pragma(`foreign_key_list(${name})`) as {
        id: number;
        seq: number;
        table: string;
        from: string;
        to: string;
        on_delete: string;
      }[];
      const foreignKeys = [...new Set(references.map((r) => r.id))].map((id) => {
        const ordered = references.filter((r) => r.id === id).sort((a, b) => a.seq - b.seq);
        return foreignKey(
          ordered.map((p) => p.from).join(', '),
          ordered[0]!.table,
          ordered.map((p) => p.to).join(', '),
          ordered[0]!.on_delete,
        );
      });
      const table: Table = {
        // A STRICT table's primary key is NOT NULL whether declared or not.
        columns: Object.fromEntries(info.map((c) => [c.name, column(family('sqlite', c.type), c.notnull === 1 || c.pk > 0)])),
        primaryKey: keyed.map((c) => c.name),
        indexes: indexes.sort(),
        foreignKeys: foreignKeys.sort(),
      };
      return [name, table];
    }),
  );
}

const ON_DELETE: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

async function postgresSchema(sql: postgres.Sql): Promise<Schema> {
  const columns = await sql<{ table: string; name: string; type: string; nullable: string }[]>`
    SELECT c.table_name AS table, c.column_name AS name, c.data_type AS type, c.is_nullable AS nullable
    FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> ${POSTGRES_LEGACY_MARKER}
    ORDER BY c.table_name, c.ordinal_position`;
  const indexes = await sql<{ table: string; unique: boolean; primary: boolean; columns: string }[]>`
    SELECT t.relname AS table, ix.indisunique AS unique, ix.indisprimary AS primary,
           (SELECT string_agg(a.attname, ', ' ORDER BY k.n)
            FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k (attnum, n)
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
    FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace
    WHERE ns.nspname = 'public'`;
  const references = await sql<{ table: string; references: string; columns: string; referenced: string; onDelete: string }[]>`
    SELECT c.conrelid::regclass::text AS table, c.confrelid::regclass::text AS references, c.confdeltype AS "onDelete",
           (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, n)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
           (SELECT string_agg(a.attname, ', ' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY AS k (attnum, n)
            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS referenced
    FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace
    WHERE c.contype = 'f' AND ns.nspname = 'public'`;
  const schema: Schema = {};
  for (const c of columns) {
    schema[c.table] ??= { columns: {}, primaryKey: [], indexes: [], foreignKeys: [] };
    schema[c.table]!.columns[c.name] = column(family('postgres', c.type), c.nullable === 'NO');
  }
  for (const i of indexes) {
    const table = schema[i.table];
    if (!table) continue;
    if (i.primary) table.primaryKey = i.columns.split(', ');
    else table.indexes.push(index(i.columns, i.unique));
  }
  for (const r of references)
    schema[r.table]?.foreignKeys.push(foreignKey(r.columns, r.references, r.referenced, ON_DELETE[r.onDelete] ?? r.onDelete));
  for (const table of Object.values(schema)) {
    table.indexes.sort();
    table.foreignKeys.sort();
  }
  return schema;
}

const sqliteDb = openDatabase(':memory:');
const onSqlite = sqliteSchema(sqliteDb);
let sql: postgres.Sql | undefined;
let onPostgres: Schema;

beforeAll(async () => {
  // A copy of the template the project's setup migrated: a freshly migrated database.
  sql = postgres(await newPostgresDatabase(), { max: 1, onnotice: () => {} });
  onPostgres = await postgresSchema(sql);
});
afterAll(async () => {
  sqliteDb.close();
  await sql?.end();
});

describe('the SQLite and PostgreSQL schemas', () => {
  it('have the same tables', () => {
    expect(Object.keys(onPostgres).sort(), 'tables on PostgreSQL (expected: those on SQLite)').toEqual(Object.keys(onSqlite).sort());
  });

  it.each(Object.keys(onSqlite).sort())('define %s alike: columns, keys, indexes and references', (name) => {
    const table = onSqlite[name]!;
    expect(onPostgres[name], `${name} on PostgreSQL`).toBeDefined();
    const other = onPostgres[name]!;
    expect(other.columns, `${name}'s columns on PostgreSQL (expected: those on SQLite)`).toEqual(table.columns);
    expect(other.primaryKey, `${name}'s primary key on PostgreSQL (expected: SQLite's)`).toEqual(table.primaryKey);
    expect(other.indexes, `${name}'s indexes and unique constraints on PostgreSQL (expected: SQLite's)`).toEqual(table.indexes);
    expect(other.foreignKeys, `${name}'s foreign keys on PostgreSQL (expected: SQLite's)`).toEqual(table.foreignKeys);
  });
});
