// A throwaway Redis for tests: Debian's redis-server (.ci/run installs it when missing) on a free
// loopback port, with persistence off so it leaves no file behind, stopped afterwards.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { freePort } from './free-port.js';

export const REDIS_INSTALL = 'sudo apt-get install -y redis-server';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server; safe to call twice. */
  stop(): Promise<void>;
}

/** Path of redis-server, or undefined when it is not installed. */
export function redisServerPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path) return path;
  return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined;
}

/** Servers still running, killed at exit so a crashed test leaves no redis-server behind. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

async function startOn(path: string, port: number): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(path, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Ready to accept connections')) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void exited.then(([code]) => {
      clearInterval(timer);
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
    });
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
  });
  return { child, exited };
}

/** Starts redis-server; on `port` when given (to bring one back where its clients look for it), else a free one. */
export async function startRedis(options: { port?: number } = {}): Promise<RedisServer> {
  const path = redisServerPath();
  if (!path) throw new Error(`Redis is not installed (no redis-server found): ${REDIS_INSTALL}`);
  let started: { child: ChildProcess; exited: Promise<unknown> } | undefined;
  let port = 0;
  // Another process may take the free port between the probe and the bind: try a few.
  for (let attempt = 1; started === undefined; attempt++) {
    port = options.port ?? (await freePort());
    try {
      started = await startOn(path, port);
    } catch (error) {
      if (attempt >= 3 || options.port !== undefined) throw error;
    }
  }
  const { child: server, exited } = started;
  running.add(server);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const each of running) each.kill('SIGKILL');
    });
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      running.delete(server);
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGTERM');
        await exited;
      }
    },
  };
}
