import type { DomainStorage } from '../../db/domain-storage.js';
import { loginAttemptsRepository as postgresLoginAttempts } from './postgres/login-attempts.js';
import { migrations as postgresMigrations } from './postgres/migrations.js';
import { usersRepository as postgresUsers } from './postgres/users.js';
import type { AccountRepositories } from './repository.js';
import { loginAttemptsRepository as sqliteLoginAttempts } from './sqlite/login-attempts.js';
import { migrations as sqliteMigrations } from './sqlite/migrations.js';
import { usersRepository as sqliteUsers } from './sqlite/users.js';

/** The accounts' tables and repositories on each engine, for the registry (../storage.ts). */
export const accountsStorage: DomainStorage<AccountRepositories> = {
  sqlite: {
    migrations: sqliteMigrations,
    repositories: {
      users: {
        open: sqliteUsers,
        steps: {
          insert: 'write',
          nameTaken: 'read',
          replacePasswordHash: 'write',
          updateProfile: 'write',
          findByNameKey: 'read',
          findById: 'read',
        },
      },
      loginAttempts: {
        open: sqliteLoginAttempts,
        steps: {
          begin: 'write',
          succeeded: 'write',
          withdrawn: 'write',
          recordSignIn: 'write',
          deleteExpired: 'write',
          size: 'read',
        },
      },
    },
  },
  postgres: {
    migrations: postgresMigrations,
    repositories: { users: postgresUsers, loginAttempts: postgresLoginAttempts },
  },
};
