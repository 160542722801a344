import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * One connection with the settings every connection to the file needs, the writer thread's as
 * well as the readers'. WAL lets readers run beside the single writer; synchronous=FULL fsyncs the
 * WAL on every commit, so an acknowledged registration survives a process crash and a power loss
 * alike (NORMAL would survive only the former). busy_timeout covers a second process, such as a
 * backup, holding the write lock for a moment.
 */
export function connect(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
