import { closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { domainMigrations } from '../../domains/storage.js';
import type { Warn } from '../store.js';
import { connect, type Db } from './connection.js';
import { migrate } from './migrate.js';

/**
 * Opens (creating on first start) the database and brings its schema up to date. `warn` hears
 * what a migration found that the operator should know, such as existing accounts whose names
 * now collide.
 */
export function openDatabase(path: string, warn: Warn = (message) => console.warn(message)): Db {
  if (path !== ':memory:') createPrivately(path, warn);
  const db = connect(path);
  migrate(db, domainMigrations.sqlite(), warn);
  return db;
}

/**
 * The file holds password hashes: a folder the server creates is 0700 and a file 0600, and SQLite
 * gives its -wal and -shm files the database file's mode. An existing file others can read is
 * the operator's choice, but worth a warning.
 */
function createPrivately(path: string, warn: Warn): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const { mode } = statSync(path);
    if ((mode & 0o077) !== 0) {
      warn(`the database ${path} is readable by other users (mode ${(mode & 0o777).toString(8)}); it holds password hashes: chmod 600 it`, {
        path,
      });
    }
  }
}
