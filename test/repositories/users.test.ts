// UsersRepository (server/domains/accounts/repository.ts), on every engine.
import { describe, expect, it } from 'vitest';
import { insertedUser, newUser, onEveryStore } from './stores.js';

/** The user as the repository answers it: what was inserted, without the name's identity. */
const asFound = (user: ReturnType<typeof newUser>, profile: { icon?: string | null; status?: string | null } = {}) => ({
  id: user.id,
  name: user.name,
  passwordHash: user.passwordHash,
  icon: null,
  status: null,
  ...profile,
});

onEveryStore((store) => {
  describe('insert', () => {
    it('when the name is free, then it inserts and findById answers the user', async () => {
      const alice = newUser('alice');
      expect(await store().users.insert(alice)).toBe(true);
      expect(await store().users.findById(alice.id)).toStrictEqual(asFound(alice));
    });

    it.each([
      ['the same name', 'alice', 'alice'],
      ['another spelling of it (one key)', 'alice', 'ＡＬＩＣＥ'],
      ['a look-alike (one key skeleton)', 'alice', '\u0430lice'],
      ['a look-alike once case is set aside (one written skeleton)', 'clara', 'CIara'],
    ])('when the name is taken by %s, then it answers false and stores nothing', async (_, first, second) => {
      await insertedUser(store(), first);
      const late = newUser(second);
      expect(await store().users.insert(late)).toBe(false);
      expect(await store().users.findById(late.id)).toBeUndefined();
    });

    it('when names that collide are inserted at once, then exactly one succeeds', async () => {
      const names = ['alice', 'Alice', 'ＡＬＩＣＥ', '\u0430lice', 'ALICE', 'alicE'];
      const users = names.map((name) => newUser(name));
      const inserted = await Promise.all(users.map((user) => store().users.insert(user)));
      expect(inserted.filter(Boolean)).toHaveLength(1);
      const found = await Promise.all(users.map((user) => store().users.findById(user.id)));
      expect(found.filter(Boolean)).toHaveLength(1);
    });

    it('when names that do not collide are inserted at once, then every one succeeds', async () => {
      const users = ['alice', 'bob', 'carol', 'dave'].map((name) => newUser(name));
      expect(await Promise.all(users.map((user) => store().users.insert(user)))).toEqual([true, true, true, true]);
    });
  });

  describe('nameTaken', () => {
    it('when no account has the name or one like it, then it is not taken', async () => {
      await insertedUser(store(), 'alice');
      expect(await store().users.nameTaken(newUser('bob'))).toBe(false);
    });

    it.each([
      ['its key', 'alice', 'ALICE'],
      ['its key skeleton', 'alice', '\u0430lice'],
      ['its written skeleton', 'clara', 'CIara'],
      ["the account's written skeleton", 'CIara', 'clara'],
    ])('when an account shares %s, then the name is taken', async (_, existing, asked) => {
      await insertedUser(store(), existing);
      expect(await store().users.nameTaken(newUser(asked))).toBe(true);
    });
  });

  describe('replacePasswordHash', () => {
    it('when the hash is still the current one, then it replaces it', async () => {
      const alice = await insertedUser(store(), 'alice');
      expect(await store().users.replacePasswordHash(alice.id, alice.passwordHash, 'next')).toBe(true);
      expect((await store().users.findById(alice.id))?.passwordHash).toBe('next');
    });

    it('when the hash changed meanwhile, then it answers false and keeps the newer one', async () => {
      const alice = await insertedUser(store(), 'alice');
      await store().users.replacePasswordHash(alice.id, alice.passwordHash, 'newer');
      expect(await store().users.replacePasswordHash(alice.id, alice.passwordHash, 'stale')).toBe(false);
      expect((await store().users.findById(alice.id))?.passwordHash).toBe('newer');
    });

    it('when the user does not exist, then it answers false', async () => {
      expect(await store().users.replacePasswordHash(newUser('ghost').id, 'any', 'next')).toBe(false);
    });
  });

  describe('updateProfile', () => {
    it('when a field is given, then it is set and the user as stored now is answered', async () => {
      const alice = await insertedUser(store(), 'alice');
      expect(await store().users.updateProfile(alice.id, { icon: 'data:image/png;base64,AA==' })).toStrictEqual(
        asFound(alice, { icon: 'data:image/png;base64,AA==' }),
      );
      expect(await store().users.updateProfile(alice.id, { status: 'away' })).toStrictEqual(
        asFound(alice, { icon: 'data:image/png;base64,AA==', status: 'away' }),
      );
      expect(await store().users.findById(alice.id)).toStrictEqual(asFound(alice, { icon: 'data:image/png;base64,AA==', status: 'away' }));
    });

    it('when a field is null, then it is cleared; one left out keeps its value', async () => {
      const alice = await insertedUser(store(), 'alice');
      await store().users.updateProfile(alice.id, { icon: 'data:image/png;base64,AA==', status: 'away' });
      expect(await store().users.updateProfile(alice.id, { icon: null })).toStrictEqual(asFound(alice, { status: 'away' }));
      expect(await store().users.updateProfile(alice.id, {})).toStrictEqual(asFound(alice, { status: 'away' }));
    });

    it('when the user does not exist, then it answers undefined', async () => {
      expect(await store().users.updateProfile(newUser('ghost').id, { status: 'here' })).toBeUndefined();
    });
  });

  describe('findByNameKey and findById', () => {
    it("when an account has the key, then it answers that account; another account's key answers the other", async () => {
      const alice = await insertedUser(store(), 'Alice');
      const bob = await insertedUser(store(), 'bob');
      expect(await store().users.findByNameKey(alice.nameKey)).toStrictEqual(asFound(alice));
      expect(await store().users.findByNameKey(bob.nameKey)).toStrictEqual(asFound(bob));
    });

    it('when nothing has the key or the id, then they answer undefined', async () => {
      await insertedUser(store(), 'alice');
      const ghost = newUser('ghost');
      expect(await store().users.findByNameKey(ghost.nameKey)).toBeUndefined();
      expect(await store().users.findById(ghost.id)).toBeUndefined();
    });

    it('when a look-alike of the key is asked, then it answers undefined: the key is matched exactly', async () => {
      await insertedUser(store(), 'alice');
      expect(await store().users.findByNameKey(newUser('\u0430lice').nameKey)).toBeUndefined();
    });
  });
});
