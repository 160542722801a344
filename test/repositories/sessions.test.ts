// SessionsRepository (server/domains/sessions/repository.ts), on every engine.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../server/db/store.js';
import type { NewToken, StoredSession } from '../../server/domains/sessions/repository.js';
import { DAY, insertedUser, newSession, newToken, onEveryStore } from './stores.js';

const NOW = Date.UTC(2030, 0, 1);
const CAP = 10;

/** A user with one session begun at `at` (NOW unless given); resolves to both and the first token. */
async function begun(store: Store, at = NOW, overrides: Partial<StoredSession> = {}) {
  const user = await insertedUser(store, `user${Math.random().toString(36).slice(2, 10)}`);
  return { user, ...(await another(store, user, at, overrides)) };
}

/** Another session of `user`, begun at `at`. */
async function another(store: Store, user: { id: string; passwordHash: string }, at: number, overrides: Partial<StoredSession> = {}) {
  const session = newSession(user.id, at, overrides);
  const token = newToken(at + 30 * DAY);
  if (!(await store.sessions.begin(session, token, CAP, user.passwordHash))) throw new Error('the session did not begin');
  return { session, token };
}

const live = (store: Store, token: NewToken, now = NOW) => store.sessions.findLive(token.tokenHash, now);

onEveryStore((store) => {
  describe('begin and findLive', () => {
    it('when the password is the one verified, then the session and its token are stored and found live', async () => {
      const { user, session, token } = await begun(store(), NOW, { userAgent: 'curl/8.5.0' });
      expect(await live(store(), token)).toStrictEqual({
        session,
        expiresAt: token.expiresAt,
        rotationSalt: token.rotationSalt,
        passwordHash: user.passwordHash,
      });
    });

    it('when the password changed meanwhile, then it answers false and stores nothing', async () => {
      const user = await insertedUser(store(), 'alice');
      await store().users.replacePasswordHash(user.id, user.passwordHash, 'changed');
      const token = newToken(NOW + DAY);
      expect(await store().sessions.begin(newSession(user.id, NOW), token, CAP, user.passwordHash)).toBe(false);
      expect(await live(store(), token)).toBeUndefined();
      expect(await store().sessions.listLive(user.id, NOW)).toEqual([]);
    });

    it("when the user is at the cap, then the user's oldest sessions end first", async () => {
      const user = await insertedUser(store(), 'alice');
      const first = await another(store(), user, NOW);
      const second = await another(store(), user, NOW + 1);
      const third = newSession(user.id, NOW + 2);
      const thirdToken = newToken(NOW + DAY);
      expect(await store().sessions.begin(third, thirdToken, 2, user.passwordHash)).toBe(true);
      expect(await live(store(), first.token)).toBeUndefined();
      expect((await store().sessions.listLive(user.id, NOW + 3)).map(({ id }) => id)).toEqual([third.id, second.session.id]);
    });

    it("when another user is at the cap, then this user's sessions are not counted against it", async () => {
      const { user: alice, token } = await begun(store());
      const bob = await insertedUser(store(), 'bob');
      await store().sessions.begin(newSession(bob.id, NOW + 1), newToken(NOW + DAY), 1, bob.passwordHash);
      await store().sessions.begin(newSession(bob.id, NOW + 2), newToken(NOW + DAY), 1, bob.passwordHash);
      expect(await live(store(), token)).toBeDefined();
      expect(await store().sessions.listLive(alice.id, NOW)).toHaveLength(1);
      expect(await store().sessions.listLive(bob.id, NOW + 3)).toHaveLength(1);
    });

    it('when the token is unknown, expired, or its session past its end, then nothing is live', async () => {
      const { token, session } = await begun(store(), NOW, { endsAt: NOW + 40 * DAY });
      expect(await store().sessions.findLive(newToken(NOW + DAY).tokenHash, NOW)).toBeUndefined();
      expect(await live(store(), token, token.expiresAt - 1)).toBeDefined();
      expect(await live(store(), token, token.expiresAt)).toBeUndefined();
      const outliving = newToken(session.endsAt + DAY);
      await store().sessions.rotate(session.id, token.tokenHash, outliving);
      expect(await live(store(), outliving, session.endsAt - 1)).toBeDefined();
      expect(await live(store(), outliving, session.endsAt)).toBeUndefined();
    });
  });

  describe('rotate', () => {
    it('when the newest token is refreshed, then its successor is added and answered, and both are live', async () => {
      const { session, token } = await begun(store());
      const successor = newToken(NOW + 31 * DAY);
      expect(await store().sessions.rotate(session.id, token.tokenHash, successor)).toEqual({
        successor: { expiresAt: successor.expiresAt },
      });
      expect((await live(store(), token))?.session.id).toBe(session.id);
      expect(await live(store(), successor)).toMatchObject({
        session,
        expiresAt: successor.expiresAt,
        rotationSalt: successor.rotationSalt,
      });
    });

    it('when the successor is refreshed, then every token but those two is dropped', async () => {
      const { session, token } = await begun(store());
      const second = newToken(NOW + 31 * DAY);
      const third = newToken(NOW + 32 * DAY);
      await store().sessions.rotate(session.id, token.tokenHash, second);
      await store().sessions.rotate(session.id, second.tokenHash, third);
      expect(await live(store(), token)).toBeUndefined();
      expect(await live(store(), second)).toBeDefined();
      expect(await live(store(), third)).toBeDefined();
    });

    it('when an older token is refreshed again, then nothing changes and its existing successor is answered', async () => {
      const { session, token } = await begun(store());
      const second = newToken(NOW + 31 * DAY);
      const third = newToken(NOW + 32 * DAY);
      await store().sessions.rotate(session.id, token.tokenHash, second);
      await store().sessions.rotate(session.id, second.tokenHash, third);
      // `second` is no longer the newest: its successor is `third`, which stays, and nothing is pruned.
      expect(await store().sessions.rotate(session.id, second.tokenHash, third)).toEqual({ successor: { expiresAt: third.expiresAt } });
      expect(await live(store(), second)).toBeDefined();
      expect(await live(store(), third)).toBeDefined();
    });

    it('when an older token is refreshed, then it mints nothing: only the newest token mints', async () => {
      const { session, token } = await begun(store());
      const second = newToken(NOW + 31 * DAY);
      await store().sessions.rotate(session.id, token.tokenHash, second);
      const stray = newToken(NOW + 32 * DAY);
      expect(await store().sessions.rotate(session.id, token.tokenHash, stray)).toEqual({ successor: undefined });
      expect(await live(store(), stray)).toBeUndefined();
      expect(await live(store(), second)).toBeDefined();
      expect(await live(store(), token)).toBeDefined();
    });

    it('when the token was dropped with its successor, then the successor is undefined and the newest tokens stay', async () => {
      const { session, token } = await begun(store());
      const chain = [token, ...[31, 32, 33].map((days) => newToken(NOW + days * DAY))];
      for (const [i, next] of chain.slice(1).entries()) await store().sessions.rotate(session.id, chain[i]!.tokenHash, next);
      // The first token and its successor are gone: a late refresh of it finds nothing to answer, and prunes nothing.
      expect(await store().sessions.rotate(session.id, token.tokenHash, chain[1]!)).toEqual({ successor: undefined });
      expect(await live(store(), chain[2]!)).toBeDefined();
      expect(await live(store(), chain[3]!)).toBeDefined();
      expect(await live(store(), chain[1]!)).toBeUndefined();
    });

    it('when the session ended or never was, then it answers undefined and adds no token', async () => {
      const { user, session, token } = await begun(store());
      await store().sessions.end(user.id, session.id);
      const successor = newToken(NOW + 31 * DAY);
      expect(await store().sessions.rotate(session.id, token.tokenHash, successor)).toBeUndefined();
      expect(await live(store(), successor)).toBeUndefined();
      expect(await store().sessions.rotate(newSession(user.id, NOW).id, token.tokenHash, successor)).toBeUndefined();
    });

    it('when one token is refreshed many times at once, then all answer its one successor and the session keeps two tokens', async () => {
      const { user, session, token } = await begun(store());
      const successor = newToken(NOW + 31 * DAY);
      const answers = await Promise.all(Array.from({ length: 8 }, () => store().sessions.rotate(session.id, token.tokenHash, successor)));
      expect(answers).toEqual(Array.from({ length: 8 }, () => ({ successor: { expiresAt: successor.expiresAt } })));
      expect(await live(store(), token)).toBeDefined();
      expect(await live(store(), successor)).toBeDefined();
      expect(await store().sessions.listLive(user.id, NOW)).toEqual([{ ...session, expiresAt: successor.expiresAt }]);
    });
  });

  describe('touch', () => {
    it('when the last use is older than the resolution, then it records the use; else it keeps the last', async () => {
      const { session, token } = await begun(store());
      await store().sessions.touch(session.id, NOW + 59_999, 60_000);
      expect((await live(store(), token))?.session.lastUsedAt).toBe(NOW);
      await store().sessions.touch(session.id, NOW + 60_000, 60_000);
      expect((await live(store(), token))?.session.lastUsedAt).toBe(NOW + 60_000);
    });

    it('when the session does not exist, then nothing happens', async () => {
      const { user } = await begun(store());
      await expect(store().sessions.touch(newSession(user.id, NOW).id, NOW, 0)).resolves.toBeUndefined();
    });
  });

  describe('listLive', () => {
    it("when the user has sessions, then it lists the live ones newest first, each with its newest token's expiry", async () => {
      const { user, session: oldest, token } = await begun(store(), NOW - 2 * DAY);
      const middle = await another(store(), user, NOW - DAY, { userAgent: 'Firefox' });
      const newest = await another(store(), user, NOW);
      const successor = newToken(NOW + 60 * DAY);
      await store().sessions.rotate(oldest.id, token.tokenHash, successor);
      expect(await store().sessions.listLive(user.id, NOW)).toStrictEqual([
        { ...newest.session, expiresAt: newest.token.expiresAt },
        { ...middle.session, expiresAt: middle.token.expiresAt },
        { ...oldest, expiresAt: successor.expiresAt },
      ]);
    });

    it('when a session is past its end or all its tokens expired, then it is not listed', async () => {
      const { user } = await begun(store(), NOW, { endsAt: NOW + DAY });
      const later = await another(store(), user, NOW + 1);
      expect(await store().sessions.listLive(user.id, NOW + DAY)).toEqual([{ ...later.session, expiresAt: later.token.expiresAt }]);
      expect(await store().sessions.listLive(user.id, later.token.expiresAt)).toEqual([]);
    });

    it("when another user has sessions, then they are not listed; an unknown user's list is empty", async () => {
      const { user } = await begun(store());
      await begun(store());
      expect(await store().sessions.listLive(user.id, NOW)).toHaveLength(1);
      expect(await store().sessions.listLive('000000000000000000000000', NOW)).toEqual([]);
    });
  });

  describe('end and endAllBut', () => {
    it('when the user has the session, then end ends it and answers true; again, false', async () => {
      const { user, session, token } = await begun(store());
      expect(await store().sessions.end(user.id, session.id)).toBe(true);
      expect(await live(store(), token)).toBeUndefined();
      expect(await store().sessions.end(user.id, session.id)).toBe(false);
    });

    it("when the session is another user's, then end answers false and the session stays", async () => {
      const { session, token } = await begun(store());
      const { user: other } = await begun(store());
      expect(await store().sessions.end(other.id, session.id)).toBe(false);
      expect(await live(store(), token)).toBeDefined();
    });

    it("when a session is kept, then endAllBut ends the user's others and counts them; other users' stay", async () => {
      const { user, session: kept, token } = await begun(store());
      const ended = [await another(store(), user, NOW + 1), await another(store(), user, NOW + 2)];
      const stranger = await begun(store());
      expect(await store().sessions.endAllBut(user.id, kept.id)).toBe(2);
      expect(await live(store(), token)).toBeDefined();
      for (const { token: gone } of ended) expect(await live(store(), gone)).toBeUndefined();
      expect(await live(store(), stranger.token)).toBeDefined();
    });

    it('when none is kept, then endAllBut ends every session of the user; with none left, it answers 0', async () => {
      const { user } = await begun(store());
      await another(store(), user, NOW + 1);
      expect(await store().sessions.endAllBut(user.id, undefined)).toBe(2);
      expect(await store().sessions.listLive(user.id, NOW)).toEqual([]);
      expect(await store().sessions.endAllBut(user.id, undefined)).toBe(0);
    });
  });

  describe('deleteExpired', () => {
    it('when tokens expired, then they go, and so do the sessions they leave without tokens, each counted', async () => {
      const { user, session, token } = await begun(store());
      const kept = await another(store(), user, NOW + 1);
      const successor = newToken(NOW + 60 * DAY);
      await store().sessions.rotate(kept.session.id, kept.token.tokenHash, successor);
      // Once both first tokens expired: `session` loses its only token (2 rows), `kept` its first (1 row).
      expect(await store().sessions.deleteExpired(Math.max(token.expiresAt, kept.token.expiresAt), 100)).toBe(3);
      expect(await store().sessions.listLive(user.id, NOW)).toEqual([{ ...kept.session, expiresAt: successor.expiresAt }]);
      expect(await store().sessions.end(user.id, session.id)).toBe(false);
    });

    it('when sessions are past their end, then they go with their tokens, the session counted', async () => {
      const { user, session } = await begun(store(), NOW, { endsAt: NOW + DAY });
      const later = await another(store(), user, NOW + 1);
      expect(await store().sessions.deleteExpired(NOW + DAY, 100)).toBe(1);
      expect(await store().sessions.end(user.id, session.id)).toBe(false);
      expect(await store().sessions.listLive(user.id, NOW)).toEqual([{ ...later.session, expiresAt: later.token.expiresAt }]);
    });

    it('when more than the limit have expired, then at most the limit of each go per call, until none is left', async () => {
      const { user } = await begun(store(), NOW, { endsAt: NOW + DAY });
      for (let i = 1; i < 5; i++) await another(store(), user, NOW + i, { endsAt: NOW + DAY });
      expect(await store().sessions.deleteExpired(NOW + DAY, 2)).toBe(2);
      expect(await store().sessions.deleteExpired(NOW + DAY, 2)).toBe(2);
      expect(await store().sessions.deleteExpired(NOW + DAY, 2)).toBe(1);
      expect(await store().sessions.deleteExpired(NOW + DAY, 2)).toBe(0);
    });

    it('when nothing has expired, then nothing goes', async () => {
      const { user } = await begun(store());
      expect(await store().sessions.deleteExpired(NOW, 100)).toBe(0);
      expect(await store().sessions.listLive(user.id, NOW)).toHaveLength(1);
    });
  });
});
