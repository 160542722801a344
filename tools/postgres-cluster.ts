// A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a fresh temporary folder,
// then pg_ctl on a free loopback port. It uses Debian's `postgresql` package (.ci/run installs it
// when missing) and nothing from npm. PostgreSQL refuses to run as root, so when this process is
// root the cluster runs as the `postgres` OS user the package creates.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export const POSTGRES_INSTALL = 'sudo apt-get install -y postgresql';

export interface PostgresCluster {
  /** `postgres://azuma@127.0.0.1:<port>/azuma`: a superuser with trust auth, on loopback only. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown) and deletes the cluster's folder. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data, for "PostgreSQL restarted under load" tests. */
  stopServer(): Promise<void>;
  /** Starts the server again on the same data and port. */
  startServer(): Promise<void>;
  /** A new empty database on this cluster; resolves to its URL. */
  createDatabase(name: string): Promise<string>;
}

const USER = 'azuma';
const DATABASE = 'azuma';

/** The folder holding initdb and pg_ctl: Debian's newest /usr/lib/postgresql/<major>/bin, else PATH. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const dir = join(root, major, 'bin');
      if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
    }
  }
  const found = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  const pgCtl = found.stdout.trim();
  if (found.status === 0 && pgCtl) {
    const dir = pgCtl.slice(0, pgCtl.lastIndexOf('/'));
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

const asRoot = () => process.getuid?.() === 0;

/** The command line that runs a PostgreSQL program as a user PostgreSQL accepts. */
function command(bin: string, program: string, args: readonly string[]): [string, string[]] {
  const path = join(bin, program);
  return asRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
}

function run(bin: string, program: string, args: readonly string[]): Promise<void> {
  const [file, argv] = command(bin, program, args);
  return new Promise((resolve, reject) => {
    // pg_ctl start leaves the postmaster holding inherited pipes open; its own log goes to a file,
    // so only stderr is read here, and pg_ctl's stdout is dropped.
    const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${program} ${args.join(' ')} exited with ${code}:\n${stderr}`));
    });
  });
}

/** Clusters still running, stopped and deleted at exit so a crashed test leaves no postmaster behind. */
const running = new Set<() => void>();
let exitHookInstalled = false;
function stopAllAtExit() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const stop of running) stop();
  });
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is not installed (no initdb/pg_ctl found): ${POSTGRES_INSTALL}`);
  if (asRoot() && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    throw new Error(`running as root needs the postgres OS user, which the Debian package creates: ${POSTGRES_INSTALL}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'azuma-pg-'));
  if (asRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const pgCtl = (args: readonly string[]) => run(bin, 'pg_ctl', ['-D', data, ...args]);
  const start = () => pgCtl(['-l', log, '-w', '-t', '60', 'start']);
  const stopNow = () => {
    const [file, argv] = command(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(file, argv, { stdio: 'ignore' });
  };
  // What the exit hook does for a cluster a test left running: stop it at once, delete it.
  const abandon = () => {
    stopNow();
    rmSync(dir, { recursive: true, force: true });
  };

  let port = 0;
  let up = false;
  const removed = { done: false };
  try {
    // --no-sync only skips flushing initdb's own files (a crash would lose a throwaway cluster
    // anyway); the running server keeps PostgreSQL's default fsync settings, so tests about
    // durability see what production sees.
    await run(bin, 'initdb', ['-D', data, '-U', USER, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    // Another process may take the free port between the probe and the bind: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const conf = readFileSync(join(data, 'postgresql.conf'), 'utf8');
      writeFileSync(
        join(data, 'postgresql.conf'),
        `${conf}\n# azuma throwaway cluster\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\n`,
      );
      try {
        await start();
        break;
      } catch (error) {
        if (attempt >= 3) throw new Error(`${String(error)}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
      }
    }
    up = true;
    running.add(abandon);
    stopAllAtExit();
    await run(bin, 'createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', USER, DATABASE]);
  } catch (error) {
    if (up) stopNow();
    running.delete(abandon);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const url = (database: string) => `postgres://${USER}@127.0.0.1:${port}/${database}`;
  const stopServer = async () => {
    if (!up) return;
    await pgCtl(['-m', 'fast', '-w', '-t', '60', 'stop']);
    up = false;
    running.delete(abandon);
  };
  return {
    url: url(DATABASE),
    port,
    stopServer,
    async startServer() {
      if (up || removed.done) return;
      await start();
      up = true;
      running.add(abandon);
    },
    async stop() {
      if (removed.done) return;
      await stopServer();
      removed.done = true;
      rmSync(dir, { recursive: true, force: true });
    },
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await run(bin, 'createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', USER, name]);
      return url(name);
    },
  };
}
