// The writer thread: owns the one connection that writes, so a commit's fsync blocks this thread
// and never the event loop that serves requests. Steps that arrive while a commit is in flight run
// together in the next transaction, each in a SAVEPOINT of its own (a failing step undoes only
// itself), and share its one fsync: group commit. A step is answered only after the COMMIT that
// holds it returned, so an acknowledged write is as durable as it was in the process.
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from './connection.js';
import { repositories } from './repositories.js';
import {
  errorData,
  type FromWriter,
  revive,
  type ToWriter,
  type WriteReply,
  type WriteRequest,
  type WriterData,
} from './writer-protocol.js';

const port = parentPort!;
const { path } = workerData as WriterData;
const db = connect(path);
const repos = repositories(db);

/** Runs one step in a SAVEPOINT: better-sqlite3 nests a transaction inside another as one. */
const step = db.transaction(({ repository, method, args }: WriteRequest): unknown => {
  const run = (repos[repository] as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
  if (typeof run !== 'function') throw new Error(`the writer has no step ${repository}.${method}`);
  return run(...(revive(args) as unknown[]));
});

const commit = db.transaction((batch: WriteRequest[]): WriteReply[] =>
  batch.map((request) => {
    try {
      return { id: request.id, ok: true, value: step(request) };
    } catch (error) {
      // Some errors (a full disk, I/O) make SQLite roll back the whole transaction: then no step
      // of the batch stands, and all are answered with the error.
      if (!db.inTransaction) throw error;
      return { id: request.id, ok: false, error: errorData(error) };
    }
  }),
);

let queue: WriteRequest[] = [];
let closing = false;
let scheduled = false;

/** Commits what queued up; runs once the messages waiting in the port have all been read. */
function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length > 0) {
    let replies: FromWriter;
    try {
      replies = commit.immediate(batch);
    } catch (error) {
      const failure = errorData(error);
      replies = batch.map(({ id }) => ({ id, ok: false, error: failure }));
    }
    port.postMessage(replies);
  }
  if (closing && queue.length === 0) {
    db.close();
    port.close();
  }
}

port.on('message', (message: ToWriter) => {
  if ('close' in message) closing = true;
  else queue.push(message);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
