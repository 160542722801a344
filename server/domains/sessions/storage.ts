import type { DomainStorage } from '../../db/domain-storage.js';
import { migrations as postgresMigrations } from './postgres/migrations.js';
import { sessionsRepository as postgresSessions } from './postgres/sessions.js';
import type { SessionRepositories } from './repository.js';
import { migrations as sqliteMigrations } from './sqlite/migrations.js';
import { sessionsRepository as sqliteSessions } from './sqlite/sessions.js';

/** The sessions' tables and repositories on each engine, for the registry (../storage.ts). */
export const sessionsStorage: DomainStorage<SessionRepositories> = {
  sqlite: {
    migrations: sqliteMigrations,
    repositories: {
      sessions: {
        open: sqliteSessions,
        steps: {
          begin: 'write',
          findLive: 'read',
          rotate: 'write',
          touch: 'write',
          listLive: 'read',
          end: 'write',
          endAllBut: 'write',
          deleteExpired: 'write',
        },
      },
    },
  },
  postgres: {
    migrations: postgresMigrations,
    repositories: { sessions: postgresSessions },
  },
};
