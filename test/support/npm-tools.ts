// Third-party command-line tools from npm, installed the way an implementer would install them,
// into a folder of their own outside this repository (so the project's dependencies stay short),
// and started as child processes that tests can stop.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Installs `packages` (exact `name@version` specs) into a folder named after them under the
 * system's temporary folder, and returns it. A folder whose install finished is reused, so a second
 * run costs nothing; one that was cut short is installed again.
 */
export async function installTools(packages: string[]): Promise<string> {
  const key = createHash('sha256').update(packages.join(' ')).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `azuma-tools-${key}`);
  const done = join(dir, 'installed');
  if (existsSync(done) && readFileSync(done, 'utf8') === packages.join('\n')) return dir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'azuma-tools', private: true }));
  // --prefix keeps npm in this folder even when the test runs under `npm test`, whose environment
  // names the repository as the local prefix; install scripts are not needed by these CLIs.
  await run(
    'npm',
    ['install', '--prefix', dir, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', ...packages],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  );
  writeFileSync(done, packages.join('\n'));
  return dir;
}

/** The file a package's `bin` entry names, to run with this Node. */
export function binOf(dir: string, packageName: string, command: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', packageName, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const file = manifest.bin[command];
  if (!file) throw new Error(`${packageName} has no bin ${command}`);
  return join(dir, 'node_modules', packageName, file);
}

export { freePort } from '../../tools/free-port.js';

export interface RunningTool {
  /** Everything it printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node script args…` and resolves once its output matches `ready`. */
export function startTool(script: string, args: string[], ready: RegExp, timeoutMs = 60_000): Promise<RunningTool> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const tool: RunningTool = {
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void tool.stop();
      reject(new Error(`${script} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(tool);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${output}`));
    });
  });
}
