/** The line tools/server-process.ts waits for, written by hand by a bench server that has no logger. */
export function announce(url: string): void {
  process.stdout.write(`${JSON.stringify({ msg: `Server listening at ${url}` })}\n`);
}
