// postgres@3.4.9 (the newest release) can throw from a setImmediate after PostgreSQL closed a
// connection: a small write is buffered for the next tick, the close nulls the socket, and the
// tick dereferences it (porsager/postgres#1154 and #1208; the fixes, #1168 and #1209, are not
// released). Thrown from a timer, it escapes every await and ends the process: a PostgreSQL
// restart under load killed server instances in test/scale-out.test.ts. By then the close has
// already rejected the connection's queries (CONNECTION_CLOSED, answered 503), so the write is
// moot; a query that would wait on it instead is cut off by the step timeout (connect.ts).
// Remove this once a release guards nextWrite.

/** Exactly the driver's bug: a TypeError on `write` of null, thrown in connection.js's nextWrite. */
export function isDriverWriteRace(error: unknown): boolean {
  if (!(error instanceof TypeError) || !/\(reading 'write'\)/.test(error.message)) return false;
  const stack = error.stack ?? '';
  return /nextWrite/.test(stack) && /postgres[\\/]src[\\/]connection\.js/.test(stack);
}

let installed = false;

/** Lets the process survive that one error (logged through `warn`); any other stays fatal, as without it. */
export function surviveDriverWriteRace(warn: (message: string) => void): void {
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (error) => {
    if (isDriverWriteRace(error)) {
      warn('PostgreSQL closed a connection with a write pending (postgres driver bug #1154): the write is dropped');
      return;
    }
    // What Node does without a listener: the error on stderr, exit code 1.
    console.error(error);
    process.exit(1);
  });
}
