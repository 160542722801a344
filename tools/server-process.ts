// Runs the real entry point (`npm start`'s server/main.ts) as a child process, as an operator would.
// The benchmark (bench/run.ts) starts its servers through here too.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// `node --import tsx` rather than the tsx CLI: one process, so signals (SIGKILL included) and
// the pid reach the server itself, not a wrapper.
const serverArgs = (script = 'server/main.ts', nodeArgs: readonly string[] = [], args: readonly string[] = []) => [
  ...nodeArgs,
  '--import',
  'tsx',
  script,
  ...args,
];

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends the signal and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Script to run, relative to the repository root; server/main.ts unless told. */
  script?: string;
  /**
   * Write the output to this file instead of keeping it in memory: a benchmark logs two lines per
   * request, which a pipe would make this process read (stealing CPU) and hold.
   */
  logFile?: string;
  /** Node flags, such as --cpu-prof (which NODE_OPTIONS does not accept). */
  nodeArgs?: readonly string[];
  /** The server's own arguments, such as --demo. */
  args?: readonly string[];
}

export async function spawnServer(env: Record<string, string>, options: SpawnOptions = {}): Promise<ServerProcess> {
  const fd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const child = spawn(process.execPath, serverArgs(options.script, options.nodeArgs, options.args), {
    cwd: ROOT,
    env: { ...process.env, AZUMA_PORT: '0', AZUMA_AUTH_RATE_LIMIT: '0', ...env },
    stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
  });
  let output = '';
  if (fd === undefined) {
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
  } else {
    closeSync(fd); // the child holds its own copy
  }
  const read = () => (options.logFile === undefined ? output : readFileSync(options.logFile, 'utf8'));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      // Up to the closing quote of pino's msg, so a line caught mid-write never yields half a port.
      const match = /listening at (http:\/\/[\d.]+:\d+)"/.exec(read());
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`server exited with ${code} before listening:\n${read()}`));
    });
  });
  return {
    child,
    url,
    output: read,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs server/main.ts expecting it to exit at start-up (a bad setting, or --help); resolves to its exit code and output. */
export async function runServerUntilExit(
  env: Record<string, string>,
  args: readonly string[] = [],
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, serverArgs(undefined, undefined, args), {
    cwd: ROOT,
    env: { ...process.env, AZUMA_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, output };
}
