// postgres@3.4.9 can throw from a setImmediate after PostgreSQL closed a connection: a small
// write is buffered for the next tick, the close nulls the socket, and the tick dereferences it
// (porsager/postgres#1154 and #1208; the fixes, #1168 and #1209, are not in a 3.x release).
// Thrown from a timer, it escapes every await and ends the process: a PostgreSQL restart under
// load killed server instances in test/scale-out.test.ts.
//
// The repository installs the driver patched at its source (patches/postgres+3.4.9.patch, applied
// by patch-package on npm install), so there nothing below is installed. npm does not carry that
// patch to whoever installs @azuma/server from the registry or a tarball (the Docker image too):
// their driver is the published one, and for it this guard keeps the process alive. By then the
// close has already rejected the connection's queries (CONNECTION_CLOSED, answered 503), so the
// write is moot. Remove this file once a release guards nextWrite.
import { readFileSync } from 'node:fs';

/** Whether the driver this process loads guards its buffered write against a closed socket. */
export function driverGuardsWrites(): boolean {
  try {
    const source = readFileSync(new URL('connection.js', import.meta.resolve('postgres')), 'utf8');
    return /function nextWrite\(fn\) \{[^}]*if \(socket === null\)/.test(source);
  } catch {
    return false; // laid out differently: keep the guard, which only ever catches the one error
  }
}

/** Exactly the driver's bug: a TypeError on `write` of null, thrown in connection.js's nextWrite. */
export function isDriverWriteRace(error: unknown): boolean {
  if (!(error instanceof TypeError) || !/\(reading 'write'\)/.test(error.message)) return false;
  const stack = error.stack ?? '';
  return /nextWrite/.test(stack) && /postgres[\\/]src[\\/]connection\.js/.test(stack);
}

let installed = false;

/**
 * With the published driver, lets the process survive that one error (logged through `warn`); any
 * other stays fatal, as without it. With a driver that guards the write, it installs nothing.
 */
export function surviveDriverWriteRace(warn: (message: string) => void): void {
  if (installed || driverGuardsWrites()) return;
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
