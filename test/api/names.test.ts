// Names that cannot impersonate: RFC 8265 (PRECIS UsernameCaseMapped) decides when two names are
// one and what a name may contain, UTS #39 skeletons make look-alikes taken, and databases from
// before the rules keep every account. Each example of issue 14 and of RFC 8265 §3.5 is here.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import { prepareName } from '@azuma/contract/names';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nameIdentity, skeleton } from '../../server/domains/accounts/name-identity.js';
import { passwordHasher } from '../../server/domains/accounts/passwords.js';
import { domainMigrations } from '../../server/domains/storage.js';
import { api } from '../support/api.js';
import { legacySteps } from '../support/legacy-schema.js';
import { buildTestApp, TEST_BACKEND, TEST_SCRYPT, testStore } from '../support/server.js';
import { PASSWORD } from '../support/users.js';

const NFD = (s: string) => s.normalize('NFD');

describe('prepareName, the RFC 8265 rules the schema cannot say', () => {
  it.each([
    // Issue 14: spellings of one name share its key.
    ['alice', 'alice'],
    ['ＡＬＩＣＥ (fullwidth)', 'alice'],
    ['Straße', 'straße'],
    ['STRAẞE (capital sharp s)', 'straße'],
    ['džemal', 'džemal'],
    // Issue 14: real names that were refused.
    ['अनिल (Hindi, combining vowel signs)', 'अनिल'],
    [`${NFD('José')} (sent decomposed)`, 'josé'],
    // RFC 8265 §3.5, Table 3: legal usernames (#1, with '@', is legal there but narrowed out here).
    ['fussball', 'fussball'],
    ['fußball', 'fußball'],
    ['π', 'π'],
    ['Σ', 'σ'],
    ['σ', 'σ'],
    ['ς', 'ς'],
    // Width mapping of halfwidth forms, composed by NFC; a Korean name sent as jamo.
    ['ﾃｽﾄ (halfwidth katakana)', 'テスト'],
    ['ｶﾞ (halfwidth ka + voiced mark)', 'ガ'],
    [`${NFD('한국')} (conjoining jamo of two syllables)`, '한국'],
    // toLowerCase keeps the final sigma a final sigma, and turns İ into i + dot above.
    ['ΟΔΟΣ', 'οδος'],
    ['İstanbul', 'i\u0307stanbul'],
    // Right-to-left names that keep the Bidi Rule.
    ['שלום', 'שלום'],
    ['שלום1', 'שלום1'],
  ])('when the name is %s, then it is admitted with key %j', (label, key) => {
    const name = label.split(' (')[0]!;
    expect(prepareName(name)).toEqual({ ok: true, key });
  });

  it.each([
    // Issue 14.
    ['ǆemal', 'U+01C6', /compatibility character/],
    ['alice\u3164', 'alice + U+3164 HANGUL FILLER', /U\+3164 is invisible/],
    ['\u3164', 'U+3164 HANGUL FILLER alone', /U\+3164 is invisible/],
    // RFC 8265 §3.5, Table 4: strings that violate the username rules.
    ['foo bar', 'a space', /U\+0020 is not a letter/],
    ['', 'empty', /empty/],
    // Judged after lower-casing: Ⅳ is then U+2173 SMALL ROMAN NUMERAL FOUR.
    ['henriⅣ', 'U+2163 ROMAN NUMERAL FOUR', /U\+2173 is not a letter/],
    ['♚', 'U+265A BLACK CHESS KING', /U\+265A is not a letter/],
    // RFC 8265 Table 3 #1: legal in the IdentifierClass, outside this contract's narrowing.
    ['juliet@example.com', "'@'", /U\+0040 is not a letter/],
    // More of the IdentifierClass, each from the engine's Unicode data.
    ['𝐀lice', 'a mathematical letter', /U\+1D400 is a compatibility character/],
    ['ﬁsh', 'a ligature', /U\+FB01 is a compatibility character/],
    ['a\u200db', 'U+200D ZERO WIDTH JOINER', /U\+200D is not a letter/],
    ['a\ufe0fb', 'a variation selector (a mark, but invisible)', /U\+FE0F is invisible/],
    ['\u1113', 'an old conjoining jamo', /U\+1113 is a conjoining Hangul jamo/],
    ['\u0378', 'an unassigned code point', /U\+0378 is not a letter/],
    ['\u0628\u0640\u0628', 'U+0640 ARABIC TATWEEL (RFC 5892 exception)', /U\+0640 is disallowed/],
    ['\u0301abc', 'a leading combining mark', /begins with a combining mark/],
    ['\u0628\u0663\u06f3', 'Arabic-Indic with extended Arabic-Indic digits', /mixes Arabic-Indic and extended/],
    ['abcשלום', 'left-to-right then right-to-left letters', /Bidi Rule/],
    ['1שלום', 'a right-to-left name that begins with a digit', /Bidi Rule.*must begin with a right-to-left letter/],
  ])('when the name is %j (%s), then it is refused saying why', (name, _what, problem) => {
    const prepared = prepareName(name);
    expect(prepared.ok).toBe(false);
    expect(prepared.ok ? '' : prepared.problem).toMatch(problem);
  });
});

describe('skeleton, UTS #39', () => {
  it.each([
    ['alice', '\u0430lice (Cyrillic а)'],
    ['alice', 'ALICE'],
    ['alice1', 'alicel'],
    ['rn', 'm'],
    ['paypal', '\u0440\u0430\u0443\u0440\u0430l (Cyrillic р, а, у)'],
    ['alice', 'alice\u3164 (default-ignorable dropped)'],
  ])('when %j and %j are compared, then their skeletons are equal', (a, b) => {
    const name = b.split(' (')[0]!;
    expect(nameIdentity(name).skeleton).toBe(nameIdentity(a).skeleton);
  });

  it.each([
    ['alice', 'alise'],
    ['straße', 'strasse'],
    ['σ', 'ς'],
  ])('when %j and %j are compared, then their skeletons differ', (a, b) => {
    expect(skeleton(b)).not.toBe(skeleton(a));
  });
});

describe('register and login by the name rules, over HTTP', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(() => app.close());

  const register = (name: string) => api(app).post('/api/register', { body: { name, password: PASSWORD } });
  const login = (name: string) => api(app).post('/api/login', { body: { name, password: PASSWORD } });

  it.each([
    ['alice', 'ＡＬＩＣＥ', 'fullwidth'],
    ['Straße', 'STRAẞE', 'capital sharp s'],
    ['José', NFD('José'), 'decomposed (NFD)'],
    ['Σ', 'σ', 'RFC 8265 #5 and #6'],
  ])('when %j is registered, then %j (%s) is the same name: register answers 409 and login reaches it', async (first, variant) => {
    const registered = await register(first);
    expect(registered.statusCode).toBe(200);
    const again = await register(variant);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 409, message: ERROR_MESSAGES[409] });
    const session = await login(variant);
    expect(session.json()).toMatchObject({ userid: registered.json().userid });
  });

  it.each([
    ['bob', 'b\u043eb', 'a Cyrillic о'],
    ['mallory', 'rnallory', 'rn for m'],
    ['eve1', 'evel', 'l for 1'],
    // Issue 23: a capital letter that looks like another lower-case one.
    ['clara', 'CIara', 'a capital I for l'],
    ['paypal', 'paypaI', 'a capital I for l, last'],
    ['otto', 'OTT0', 'a zero for O, a spelling of otto'],
  ])('when %j is registered, then the look-alike %j (%s) is taken with the same 409 and logs in to nothing', async (first, lookAlike) => {
    expect((await register(first)).statusCode).toBe(200);
    const taken = await register(lookAlike);
    expect(taken.statusCode).toBe(409);
    // Exactly as a taken name answers: nothing tells a look-alike from the name itself.
    expect(taken.json()).toEqual((await register(first)).json());
    expect((await login(lookAlike)).statusCode).toBe(401);
  });

  it.each([
    ['claire', 'cIaire', 'a capital I for l, the rest lower-case'],
    ['ebay', 'EBAY', 'the same name in capitals'],
  ])('when %j is registered, then %j (%s) is taken too', async (first, lookAlike) => {
    expect((await register(first)).statusCode).toBe(200);
    expect((await register(lookAlike)).statusCode).toBe(409);
  });

  it.each([
    ['karla', 'kiara', 'Karl'],
    ['ian', 'lan', 'Ilan'],
  ])('when %j is registered, then %j and %j, which differ from it as written, still register', async (first, ...others) => {
    for (const name of [first, ...others]) expect((await register(name)).statusCode, name).toBe(200);
  });

  it.each([
    ['ǆemal', /U\+01C6 is a compatibility character/],
    ['carol\u3164', /U\+3164 is invisible/],
    ['\u3164', /U\+3164 is invisible/],
    ['\u0301carol', /begins with a combining mark/],
    ['henriⅣ', /must match pattern/],
    ['♚', /must match pattern/],
    ['foo bar', /must match pattern/],
    ['juliet@example.com', /must match pattern/],
    ['', /must NOT have fewer than 1 characters/],
  ])('when %j registers, then it answers 400 naming the field and the reason', async (name, why) => {
    const res = await register(name);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 400, message: ERROR_MESSAGES[400], detail: expect.stringMatching(/^body\/name /) });
    expect(res.json().detail).toMatch(why);
  });

  it.each([
    ['अनिल', 'Hindi with combining vowel signs'],
    [NFD('Zoë'), 'sent decomposed (NFD)'],
    ['ＫＡＴＥ', 'fullwidth'],
    ['fussball', 'RFC 8265 #2'],
    ['fußball', 'RFC 8265 #3, next to #2'],
    ['π', 'RFC 8265 #4'],
    ['ς', 'RFC 8265 #7, next to #5 and #6'],
    ['שלום', 'right-to-left'],
    ['džemal', 'the spelling of ǆemal that is no compatibility character'],
  ])('when %j (%s) registers, then it gets an account that keeps the name as sent', async (name) => {
    const res = await register(name);
    expect(res.statusCode).toBe(200);
    const me = await api(app).get('/api/me', { token: res.json().token });
    expect(me.json().name).toBe(name);
    expect((await login(name)).json()).toMatchObject({ userid: res.json().userid });
  });
});

describe('look-alikes inserted at once', () => {
  it('when 40 inserts of clarice and CIarice race, which meet only as written, then exactly one is stored', async () => {
    const store = await testStore();
    try {
      const inserts = Array.from({ length: 40 }, (_, i) => {
        const name = i % 2 ? 'CIarice' : 'clarice';
        const { key, skeleton, writtenSkeleton } = nameIdentity(name);
        expect(writtenSkeleton).toBe('clarice');
        return store.users.insert({
          id: i.toString(16).padStart(24, '0'),
          name,
          nameKey: key,
          nameSkeleton: skeleton,
          nameSkeletonWritten: writtenSkeleton,
          passwordHash: 'h',
          createdAt: i,
        });
      });
      expect((await Promise.all(inserts)).filter(Boolean)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

describe('a look-alike registered first, over HTTP', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(() => app.close());

  const register = (name: string) => api(app).post('/api/register', { body: { name, password: PASSWORD } });

  it.each([
    ['CIara', 'clara'],
    ['paypaI', 'paypal'],
    ['OTT0', 'otto'],
  ])('when %j is registered, then %j, which it looks like, is taken', async (first, lookedLike) => {
    expect((await register(first)).statusCode).toBe(200);
    const taken = await register(lookedLike);
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 409, message: ERROR_MESSAGES[409] });
  });
});

// SQLite files from before the rules; no PostgreSQL database predates them.
describe.runIf(TEST_BACKEND === 'sqlite')('a database from before the name rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'azuma-names-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Accounts as the 1.1 server stored them: its key was NFC, upper- then lower-cased. */
  async function legacyDatabase(path: string, names: string[]) {
    const db = new Database(path);
    for (const step of legacySteps(domainMigrations.sqlite(), 2)) db.exec(step as string);
    db.pragma('user_version = 2');
    const hasher = passwordHasher({ params: TEST_SCRYPT, concurrency: 1, queueLimit: 100 });
    const insert = db.prepare('INSERT INTO users (id, name, name_key, password_hash, created_at) VALUES (?, ?, ?, ?, ?)');
    for (const [i, name] of names.entries()) {
      const id = (i + 1).toString(16).padStart(24, '0');
      insert.run(id, name, name.normalize('NFC').toUpperCase().toLowerCase(), await hasher.hash(`${name} password`), 1_700_000_000_000 + i);
    }
    db.close();
    // Private, as the server makes its own: the warning about a readable file is another test's.
    chmodSync(path, 0o600);
  }

  it('when accounts now collide, then start-up reports each pair once, every account still signs in, and a shared name reaches the oldest', async () => {
    const path = join(dir, 'legacy.sqlite');
    // 1 and 2 are now one name; 3 and 4 look alike; 5 breaks today's rules; 6 was STRASSE's name under the old key.
    await legacyDatabase(path, ['alice', 'ＡＬＩＣＥ', 'bob', 'b\u043eb', 'ǆemal', 'Straße']);
    const lines: string[] = [];
    const app = await buildTestApp({ dbLocation: path, logLevel: 'warn' }, { logStream: { write: (line) => void lines.push(line) } });
    try {
      const warnings = lines.map(
        (line) => JSON.parse(line) as { level: number; msg: string; nameCollision?: string; older?: unknown; newer?: unknown },
      );
      expect(warnings.map(({ level, nameCollision, older, newer }) => ({ level, nameCollision, older, newer }))).toEqual([
        {
          level: 40,
          nameCollision: 'same name',
          older: { id: '000000000000000000000001', name: 'alice' },
          newer: { id: '000000000000000000000002', name: 'ＡＬＩＣＥ' },
        },
        {
          level: 40,
          nameCollision: 'look-alike',
          older: { id: '000000000000000000000003', name: 'bob' },
          newer: { id: '000000000000000000000004', name: 'b\u043eb' },
        },
      ]);
      expect(warnings[0]!.msg).toMatch(/login by it reaches the older, 000000000000000000000001/);

      const signIn = async (name: string, password: string) =>
        (await api(app).post('/api/login', { body: { name, password } })).json().userid?.$oid as string | undefined;
      expect(await signIn('ＡＬＩＣＥ', 'alice password')).toBe('000000000000000000000001');
      expect(await signIn('ＡＬＩＣＥ', 'ＡＬＩＣＥ password')).toBeUndefined();
      expect(await signIn('bob', 'bob password')).toBe('000000000000000000000003');
      expect(await signIn('b\u043eb', 'b\u043eb password')).toBe('000000000000000000000004');
      expect(await signIn('ǆemal', 'ǆemal password')).toBe('000000000000000000000005');
      expect(await signIn('STRAẞE', 'Straße password')).toBe('000000000000000000000006');
      // ß is no longer folded to ss: RFC 8265 lower-cases.
      expect(await signIn('STRASSE', 'Straße password')).toBeUndefined();

      const lookAlike = await api(app).post('/api/register', { body: { name: '\u0430lice', password: PASSWORD } });
      expect(lookAlike.statusCode).toBe(409);
    } finally {
      await app.close();
    }

    // The migration ran once: a second start-up has nothing to report.
    const quiet: string[] = [];
    const again = await buildTestApp({ dbLocation: path, logLevel: 'warn' }, { logStream: { write: (line) => void quiet.push(line) } });
    await again.close();
    expect(quiet).toEqual([]);
  });
});

describe('a database from before look-alikes were judged as written (contract 1.3.1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'azuma-written-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The schema the 1.3.0 server left, holding these accounts as it stored them. */
  async function databaseBefore(names: string[]): Promise<string> {
    const hasher = passwordHasher({ params: TEST_SCRYPT, concurrency: 1, queueLimit: 100 });
    const accounts = await Promise.all(
      names.map(async (name, i) => {
        const { key, skeleton: nameSkeleton } = nameIdentity(name);
        const id = (i + 1).toString(16).padStart(24, '0');
        return { id, name, key, nameSkeleton, hash: await hasher.hash(`${name} password`), createdAt: 1_700_000_000_000 + i };
      }),
    );
    if (TEST_BACKEND === 'sqlite') {
      const path = join(dir, 'before.sqlite');
      const db = new Database(path);
      for (const step of legacySteps(domainMigrations.sqlite(), 4)) typeof step === 'string' ? db.exec(step) : step(db, () => {});
      db.pragma('user_version = 4');
      const insert = db.prepare(
        'INSERT INTO users (id, name, name_key, name_skeleton, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const a of accounts) insert.run(a.id, a.name, a.key, a.nameSkeleton, a.hash, a.createdAt);
      db.close();
      chmodSync(path, 0o600);
      return path;
    }
    const admin = postgres(inject('postgresUrl'), { max: 1, onnotice: () => {} });
    const url = new URL(inject('postgresUrl'));
    url.pathname = `/before_written_${process.pid}`;
    await admin.unsafe(`CREATE DATABASE ${url.pathname.slice(1)}`);
    await admin.end();
    const sql = postgres(url.href, { max: 1, onnotice: () => {} });
    for (const step of legacySteps(domainMigrations.postgres(), 1)) await sql.unsafe(step as string);
    await sql`CREATE TABLE schema_version (version INTEGER NOT NULL)`;
    await sql`INSERT INTO schema_version (version) VALUES (1)`;
    for (const a of accounts)
      await sql`INSERT INTO users (id, name, name_key, name_skeleton, password_hash, created_at)
                VALUES (${a.id}, ${a.name}, ${a.key}, ${a.nameSkeleton}, ${a.hash}, ${a.createdAt})`;
    await sql.end();
    return url.href;
  }

  it('when accounts now look alike as written, then start-up reports the pair once, both still sign in, and the rule holds for new names', async () => {
    // 1 and 2 registered side by side under 1.3.0; 3 is now a look-alike of paypal; 4 is alone.
    const dbLocation = await databaseBefore(['clara', 'CIara', 'paypaI', 'dora']);
    const lines: string[] = [];
    const app = await buildTestApp({ dbLocation, logLevel: 'warn' }, { logStream: { write: (line) => void lines.push(line) } });
    try {
      const warnings = lines.map((line) => JSON.parse(line) as { level: number; nameCollision?: string; older?: unknown; newer?: unknown });
      expect(warnings.map(({ level, nameCollision, older, newer }) => ({ level, nameCollision, older, newer }))).toEqual([
        {
          level: 40,
          nameCollision: 'look-alike',
          older: { id: '000000000000000000000001', name: 'clara' },
          newer: { id: '000000000000000000000002', name: 'CIara' },
        },
      ]);
      const signIn = async (name: string, password: string) =>
        (await api(app).post('/api/login', { body: { name, password } })).json().userid?.$oid as string | undefined;
      expect(await signIn('clara', 'clara password')).toBe('000000000000000000000001');
      expect(await signIn('CIara', 'CIara password')).toBe('000000000000000000000002');
      const register = async (name: string) => (await api(app).post('/api/register', { body: { name, password: PASSWORD } })).statusCode;
      expect(await register('paypal')).toBe(409);
      expect(await register('D0RA')).toBe(409);
      expect(await register('nora')).toBe(200);
    } finally {
      await app.close();
    }
    const quiet: string[] = [];
    const again = await buildTestApp({ dbLocation, logLevel: 'warn' }, { logStream: { write: (line) => void quiet.push(line) } });
    await again.close();
    expect(quiet).toEqual([]);
  });
});
