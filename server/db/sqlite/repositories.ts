import { loginAttemptsRepository } from '../../domains/accounts/sqlite/login-attempts.js';
import { usersRepository } from '../../domains/accounts/sqlite/users.js';
import { sessionsRepository } from '../../domains/sessions/sqlite/sessions.js';
import type { LoginAttemptsRepository, SessionsRepository, UsersRepository } from '../store.js';
import type { Db } from './connection.js';
import type { Sync } from './sync.js';

/** The store's repositories, as their interfaces declare them. */
export interface Repositories {
  users: UsersRepository;
  sessions: SessionsRepository;
  loginAttempts: LoginAttemptsRepository;
}

export type RepositoryName = keyof Repositories;

/** The repositories over one connection, answering at once. */
export function repositories(db: Db): { [R in RepositoryName]: Sync<Repositories[R]> } {
  return { users: usersRepository(db), sessions: sessionsRepository(db), loginAttempts: loginAttemptsRepository(db) };
}

/**
 * Which steps write. Writes run on the writer thread's connection, reads on the caller's; every
 * method must be named here (the type says so), so a new one cannot slip onto the wrong side
 * unnoticed, and the readers' connection is query_only, so a write classed as a read fails loudly.
 */
export const STEPS: { [R in RepositoryName]: Record<keyof Repositories[R], 'read' | 'write'> } = {
  users: {
    insert: 'write',
    nameTaken: 'read',
    replacePasswordHash: 'write',
    updateProfile: 'write',
    findByNameKey: 'read',
    findById: 'read',
  },
  sessions: {
    begin: 'write',
    findLive: 'read',
    rotate: 'write',
    touch: 'write',
    listLive: 'read',
    end: 'write',
    endAllBut: 'write',
    deleteExpired: 'write',
  },
  loginAttempts: {
    begin: 'write',
    succeeded: 'write',
    withdrawn: 'write',
    recordSignIn: 'write',
    deleteExpired: 'write',
    size: 'read',
  },
};
