// The smaller findings of the identity-and-abuse review (issue 14): who can read the database
// file, text that is not Unicode, idle connections, what the log keeps, and trusting every proxy.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_MESSAGES } from '@azuma/contract/generated/contract-facts';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.js';
import { spawnServer } from '../tools/server-process.js';
import { api, type PathOf } from './support/api.js';
import { buildTestApp, startServer } from './support/server.js';
import { registerUser } from './support/users.js';

let app: FastifyInstance | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'azuma-exposure-'));
  dirs.push(dir);
  return dir;
};
const mode = (path: string) => statSync(path).mode & 0o777;

describe('the database file', () => {
  it('when the server creates it, then it, its -wal and -shm files are 0600 and its folder 0700', async () => {
    const folder = join(tempDir(), 'data');
    const file = join(folder, 'azuma.sqlite');
    app = await buildTestApp({ dbLocation: file });
    await registerUser(app, { name: 'modes', password: 'modes-secret' });
    expect(mode(folder)).toBe(0o700);
    for (const path of [file, `${file}-wal`, `${file}-shm`]) expect([path, mode(path).toString(8)]).toEqual([path, '600']);
  });

  it('when an existing file is readable by others, then start-up warns and still serves', async () => {
    const file = join(tempDir(), 'azuma.sqlite');
    writeFileSync(file, '', { mode: 0o644 });
    const lines: string[] = [];
    app = await buildTestApp({ dbLocation: file, logLevel: 'warn' }, { logStream: { write: (line) => lines.push(line) } });
    expect(lines.join('')).toMatch(/the database .*azuma\.sqlite is readable by other users \(mode 644\).*chmod 600/);
    expect((await api(app).get('/api/')).statusCode).toBe(200);
  });
});

describe('text that is not Unicode', () => {
  // JSON may spell a lone surrogate; JSON.stringify would repair it, so the bodies are written by hand.
  const send = (path: PathOf<'post'>, uncheckedBody: string) => api(app!).post(path, { uncheckedBody });

  it('when a password holds a lone surrogate, then register answers 400 naming the field, and nothing is created', async () => {
    app = await buildTestApp();
    const res = await send('/api/register', '{"name": "lone", "password": "secretpw\\ud800"}');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 400,
      message: ERROR_MESSAGES[400],
      detail: 'body/password is not well-formed Unicode text (it holds a lone surrogate)',
    });
    const login = await send('/api/login', '{"name": "lone", "password": "secretpw\\ufffd"}');
    expect(login.statusCode).toBe(401);
  });

  it('when a password ends in U+FFFD, then a lone surrogate in its place does not log in', async () => {
    app = await buildTestApp();
    expect((await send('/api/register', '{"name": "fffd", "password": "secretpw\\ufffd"}')).statusCode).toBe(200);
    for (const lone of ['\\ud800', '\\udc00', '\\udbff']) {
      const res = await send('/api/login', `{"name": "fffd", "password": "secretpw${lone}"}`);
      expect([lone, res.statusCode]).toEqual([lone, 400]);
    }
    expect((await send('/api/login', '{"name": "fffd", "password": "secretpw\\ufffd"}')).statusCode).toBe(200);
  });

  it('when any field or key holds one, then the answer is 400 whatever the operation; a surrogate pair is fine', async () => {
    app = await buildTestApp();
    const token = (await send('/api/register', '{"name": "pair", "password": "emoji-pw-\\ud83d\\ude00"}')).json<{ token: string }>().token;
    expect((await send('/api/login', '{"name": "pair", "password": "emoji-pw-\\ud83d\\ude00"}')).statusCode).toBe(200);
    expect((await send('/api/login', '{"name": "pa\\udc00ir", "password": "whatever"}')).json().detail).toMatch(/^body\/name /);
    const patch = await api(app).patch('/api/me', { token, uncheckedBody: '{"status": "ok \\ud800"}' });
    expect([patch.statusCode, patch.json().detail]).toEqual([
      400,
      'body/status is not well-formed Unicode text (it holds a lone surrogate)',
    ]);
    expect((await send('/api/login', '{"name": "pair", "password": "x", "\\ud800": 1}')).json().detail).toMatch(
      /^body\/.* is not well-formed Unicode text/,
    );
  });
});

describe('idle connections', () => {
  const open = (url: string) =>
    new Promise<Socket>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const socket = connect(Number(port), hostname, () => resolve(socket));
      socket.on('error', reject);
    });
  const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  it('when AZUMA_MAX_CONNECTIONS sockets sit idle, then one more is closed at once, and idle ones are closed after AZUMA_IDLE_TIMEOUT', async () => {
    const server = await startServer({ maxConnections: 5, idleTimeoutSeconds: 1 });
    app = server.app;
    const idle = await Promise.all(Array.from({ length: 5 }, () => open(server.url)));
    const extra = await open(server.url);
    await closed(extra);
    const started = Date.now();
    await Promise.all(idle.map(closed));
    // Reaped by the idle timeout (1 s, checked each second), not by the ~40 s of Node's defaults.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await api(server.url).get('/api/')).status).toBe(200);
  });
});

describe('an oversized body', () => {
  /** A POST whose body goes past the limit, sent in two parts with a pause between: what the client sees. */
  const sendInTwoParts = (url: string, framing: 'chunked' | 'length') =>
    new Promise<{ error?: string; answer: string }>((resolve) => {
      const { hostname, port } = new URL(url);
      // Half-open, as an HTTP client still sending is: the server's FIN does not stop it writing.
      const socket = connect({ port: Number(port), host: hostname, allowHalfOpen: true });
      let answer = '';
      let error: string | undefined;
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
      socket.on('close', () => resolve({ ...(error ? { error } : {}), answer }));
      const first = `{"name": "big", "password": "${'x'.repeat(20_000)}`;
      const rest = `${'y'.repeat(80_000)}"}`;
      const frame = (text: string) => (framing === 'chunked' ? `${text.length.toString(16)}\r\n${text}\r\n` : text);
      const length = framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${first.length + rest.length}`;
      socket.write(`POST /api/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${length}\r\n\r\n`);
      socket.write(frame(first));
      setTimeout(() => {
        socket.write(frame(rest));
        socket.end(framing === 'chunked' ? '0\r\n\r\n' : '');
      }, 300);
    });

  it.each(['chunked', 'length'] as const)(
    'when the client is still sending after the limit (%s), then it gets the whole 413 answer, not a reset',
    async (framing) => {
      const server = await startServer();
      app = server.app;
      const { error, answer } = await sendInTwoParts(server.url, framing);
      expect(error).toBeUndefined();
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain('"message":"PAYLOAD_TOO_LARGE"');
    },
  );
});

describe('oversized bodies under load', () => {
  /** One POST with a 100 kB body, chunked or with a length, sent in 1 kB writes: the status, or the error the client saw. */
  const oversized = (url: URL, framing: 'chunked' | 'length') =>
    new Promise<string>((resolve) => {
      const size = 100_000;
      const headers: Record<string, string | number> = { 'content-type': 'application/json' };
      if (framing === 'chunked') headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = size;
      const req = httpRequest(
        { host: url.hostname, port: url.port, method: 'POST', path: '/api/register', headers, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      const piece = 'x'.repeat(1000);
      let sent = 0;
      const write = () => {
        while (sent < size) {
          sent += piece.length;
          if (!req.write(piece)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });

  it('when 120 clients send bodies over the limit at once while logins hash, then every one gets its 413', async () => {
    // The real process, since in-process the race never showed. A longer script of this shape saw
    // 20 EPIPEs in 600 such requests before the drain and none in 360 after; this guards, it rarely reproduces.
    const server = await spawnServer({ AZUMA_DB: ':memory:' });
    try {
      const url = new URL(server.url);
      const logins = Array.from({ length: 10 }, () =>
        api(server.url)
          .post('/api/login', { body: { name: 'nobody', password: 'whatever-1' } })
          .then((res) => res.status),
      );
      const outcomes = await Promise.all(Array.from({ length: 120 }, (_, i) => oversized(url, i % 2 === 0 ? 'chunked' : 'length')));
      await Promise.all(logins);
      expect(outcomes.filter((outcome) => outcome !== '413')).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('the log', () => {
  it('when a request carries a query string, then the log line has its path alone', async () => {
    const lines: string[] = [];
    app = await buildTestApp({ logLevel: 'info', accessLog: true }, { logStream: { write: (line) => lines.push(line) } });
    await app.inject({ method: 'GET', url: '/api/me?token=secret-in-the-query&x=1' });
    const logged = lines.join('');
    expect(logged).toContain('"url":"/api/me"');
    expect(logged).not.toContain('secret-in-the-query');
  });

  it('when AZUMA_ACCESS_LOG is left unset, then requests are answered without access lines', async () => {
    const lines: string[] = [];
    app = await buildTestApp({ logLevel: 'info' }, { logStream: { write: (line) => lines.push(line) } });
    expect(loadConfig({}).accessLog).toBe(false);
    expect((await app.inject('/api/')).statusCode).toBe(200);
    expect(lines.join('')).not.toContain('request completed');
  });
});

describe('trusting proxies', () => {
  it('when AZUMA_TRUST_PROXY=true alone, then start-up stops, asking for the proxies or AZUMA_TRUST_ANY_PROXY=true', () => {
    expect(() => loadConfig({ AZUMA_TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ AZUMA_TRUST_PROXY: 'true' })).toThrow(
      /list your proxies .* or, when only proxies can reach the port, also set AZUMA_TRUST_ANY_PROXY=true/,
    );
    expect(loadConfig({ AZUMA_TRUST_PROXY: 'true', AZUMA_TRUST_ANY_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ AZUMA_TRUST_PROXY: 'loopback,10.0.0.0/8' }).trustProxy).toBe('loopback,10.0.0.0/8');
  });

  it('when the timeouts and the connection cap are set badly, then start-up names the setting', () => {
    for (const name of ['AZUMA_MAX_CONNECTIONS', 'AZUMA_IDLE_TIMEOUT', 'AZUMA_HEADERS_TIMEOUT', 'AZUMA_REQUEST_TIMEOUT']) {
      expect(() => loadConfig({ [name]: '0' })).toThrow(new RegExp(`^${name} must be a whole number`));
    }
  });
});
