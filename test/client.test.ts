// The typed client against the real server over a real socket, in both auth modes: what an app
// notices is that its session keeps working across rotations and that failures are typed.

import { ERROR_MESSAGES, SESSION_COOKIE, SESSION_HEADER } from '@azuma/contract/generated/contract-facts';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AzumaClientOptions, AzumaError, AzumaNetworkError, createAzumaClient } from '../client/index.js';
import { bindOperations, operationsOf } from '../client/operations.js';
import type { ChatPaths } from './client.types.js';
import { api } from './support/api.js';
import { manualClock, type RunningServer, startServer } from './support/server.js';
import { uniqueName } from './support/users.js';

// Any TTL under 7 days makes every authenticated request rotate the session.
const TTL_SECONDS = 3600;
const password = 'correct horse battery staple';

// The server's clock: moving it lets a test expire old tokens without waiting.
const clock = manualClock();
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ sessionTtlSeconds: TTL_SECONDS }, { now: clock.now });
});
afterAll(() => server.close());

/** What went over the wire: the credential each request carried and the successor each answer named. */
interface Exchange {
  path: string;
  sentHeader: string | null;
  sentCookie: string | null;
  credentials: RequestCredentials;
}

/** A real fetch that records each exchange, optionally holding one answer back until released. */
function wiretap() {
  const exchanges: Exchange[] = [];
  let hold: { arrived: () => void; release: Promise<void> } | undefined;
  const fetchThrough = async (request: Request): Promise<Response> => {
    exchanges.push({
      path: new URL(request.url).pathname,
      sentHeader: request.headers.get(SESSION_HEADER),
      sentCookie: request.headers.get('Cookie'),
      credentials: request.credentials,
    });
    const response = await fetch(request);
    const held = hold;
    hold = undefined;
    if (held) {
      held.arrived();
      await held.release;
    }
    return response;
  };
  /** The next answer is held once it has arrived; resolves when it has, with a release function. */
  const holdNext = () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const arrived = new Promise<void>((resolve) => (hold = { arrived: resolve, release: released }));
    return { arrived, release };
  };
  return { exchanges, fetch: fetchThrough, holdNext };
}

function clientFor(auth: 'header' | 'cookie', extra: Partial<AzumaClientOptions> = {}) {
  const tap = wiretap();
  const tokens: Array<string | undefined> = [];
  const client = createAzumaClient({ baseUrl: server.url, auth, fetch: tap.fetch, onToken: (t) => tokens.push(t), ...extra });
  /** The token the last request carried, whichever way the mode sends it. */
  const lastSent = () => {
    const last = tap.exchanges.at(-1);
    return auth === 'header' ? last?.sentHeader : new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(last?.sentCookie ?? '')?.[1];
  };
  return { client, tokens, tap, lastSent };
}

describe.each(['header', 'cookie'] as const)('%s auth', (auth) => {
  it('when a session rotates, then the next request uses the successor and onToken fires once per change', async () => {
    const { client, tokens, lastSent } = clientFor(auth);
    const name = uniqueName();
    const session = await client.register({ name, password });
    expect(client.token).toBe(session.token);
    expect(tokens).toEqual([session.token]);

    clock.advance(1_800_000); // half the lifetime: the successor will outlive the first token
    expect((await client.me()).name).toBe(name);
    expect(lastSent()).toBe(session.token);
    const successor = client.token;
    expect(successor).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(successor).not.toBe(session.token);
    expect(tokens).toEqual([session.token, successor]);

    clock.advance(1_900_000); // the first token has expired now; only the successor still works
    expect((await client.me()).name).toBe(name);
    expect(lastSent()).toBe(successor);
    expect(tokens).toHaveLength(3);
    expect(tokens.at(-1)).toBe(client.token);
  });

  it('when an app resumes with a saved token, then it is sent and its rotations followed', async () => {
    const first = clientFor(auth);
    const name = uniqueName();
    const { token } = await first.client.register({ name, password });

    const resumed = clientFor(auth, { token });
    expect(resumed.client.token).toBe(token);
    expect((await resumed.client.me()).name).toBe(name);
    expect(resumed.lastSent()).toBe(token);
    expect(resumed.tokens).toEqual([resumed.client.token]);
    expect(resumed.client.token).not.toBe(token);
  });

  it('when the credential travels, then only the chosen mechanism carries it', async () => {
    const { client, tap } = clientFor(auth);
    await client.register({ name: uniqueName(), password });
    await client.me();
    const me = tap.exchanges.at(-1);
    if (auth === 'header') {
      expect(me?.sentHeader).toBeTruthy();
      expect(me?.sentCookie).toBeNull();
      expect(me?.credentials).toBe('omit'); // a browser's cookie can never override the header
    } else {
      expect(me?.sentHeader).toBeNull();
      expect(me?.sentCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9]{64}$`));
      expect(me?.credentials).toBe('include'); // a browser sends and stores the cookie itself
    }
  });

  it('when logging in again, then the new session replaces the old one', async () => {
    const { client, tokens } = clientFor(auth);
    const name = uniqueName();
    const registered = await client.register({ name, password });
    const loggedIn = await client.login({ name: name.toUpperCase(), password });
    expect(loggedIn.userid).toEqual(registered.userid);
    expect(client.token).toBe(loggedIn.token);
    expect(tokens).toEqual([registered.token, loggedIn.token]);
  });

  it('when the raw client is used, then it shares the session and follows rotation too', async () => {
    const { client, tokens } = clientFor(auth);
    const name = uniqueName();
    await client.raw.POST('/api/register', { body: { name, password } });
    const { data, error } = await client.raw.GET('/api/me');
    expect(error).toBeUndefined();
    expect(data?.name).toBe(name);
    expect(tokens).toHaveLength(2);
    expect(client.token).toBe(tokens[1]);
  });

  it('when the API refuses, then typed methods throw AzumaError with status, code, message and detail', async () => {
    const { client, tokens } = clientFor(auth);
    const name = uniqueName();

    const anonymous = await client.me().catch((e: unknown) => e);
    expect(anonymous).toBeInstanceOf(AzumaError);
    expect(anonymous).toMatchObject({ status: 401, code: 401, message: ERROR_MESSAGES[401] });
    expect((anonymous as AzumaError).response.status).toBe(401);

    const invalid = await client.register({ name, password: 'short' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ name: 'AzumaError', status: 400, code: 400, message: ERROR_MESSAGES[400] });
    expect((invalid as AzumaError).detail).toMatch(/password/);

    const session = await client.register({ name, password });
    const taken = await client.register({ name, password }).catch((e: unknown) => e);
    expect(taken).toMatchObject({ status: 409, code: 409, message: ERROR_MESSAGES[409] });

    const wrong = await client.login({ name, password: 'not the password' }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 401, message: ERROR_MESSAGES[401] });
    // Failures never touch the stored session.
    expect(client.token).toBe(session.token);
    expect(tokens).toEqual([session.token]);
  });

  it('when many requests are in flight during a rotation, then all succeed and the one successor is stored', async () => {
    const { client, tokens } = clientFor(auth);
    const name = uniqueName();
    const { token } = await client.register({ name, password });

    const users = await Promise.all(Array.from({ length: 12 }, () => client.me()));
    expect(users.map((u) => u.name)).toEqual(Array(12).fill(name));
    expect(tokens).toEqual([token, client.token]);

    // The stored successor is live: it answers and rotates on in turn.
    expect((await client.me()).name).toBe(name);
    expect(tokens).toHaveLength(3);
  });

  it('when an old answer arrives after a newer rotation, then it does not roll the token back', async () => {
    const { client, tokens, tap } = clientFor(auth);
    const name = uniqueName();
    const { token: first } = await client.register({ name, password });

    const held = tap.holdNext();
    const late = client.me(); // sent with the first token; its answer names the first successor
    await held.arrived;
    await client.me(); // also sent with the first token: stores the first successor
    await client.me(); // sent with the first successor: stores the second
    const newest = client.token;
    held.release();

    expect((await late).name).toBe(name);
    expect(client.token).toBe(newest);
    expect(tokens).toEqual([first, expect.any(String), newest]);
    expect(new Set(tokens).size).toBe(3);
  });

  it('when a request is in flight during a new login, then its late successor does not replace the new session', async () => {
    const { client, tokens, tap } = clientFor(auth);
    const name = uniqueName();
    const { token: first } = await client.register({ name, password });

    const held = tap.holdNext();
    const late = client.me(); // its answer names a successor of the first session
    await held.arrived;
    const { token: fresh } = await client.login({ name, password });
    held.release();

    await late;
    expect(client.token).toBe(fresh);
    expect(tokens).toEqual([first, fresh]);
  });

  it('when the user reads and changes their profile and sessions, then every 1.1 method answers typed results', async () => {
    const { client } = clientFor(auth);
    const name = uniqueName();
    await client.register({ name, password });
    const user = await client.updateMe({ status: 'At lunch', icon: 'https://example.org/a.png' });
    expect(user).toMatchObject({ name, status: 'At lunch', icon: 'https://example.org/a.png' });
    expect((await client.updateMe({ icon: null })).icon).toBeNull();
    const other = clientFor(auth).client;
    await other.login({ name, password });
    const { sessions } = await client.sessions();
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    await client.endSession(sessions.find((s) => !s.current)!.id);
    await expect(other.me()).rejects.toMatchObject({ status: 401 });
    await expect(client.endSession('0123456789abcdef01234567')).rejects.toMatchObject({ status: 404, message: ERROR_MESSAGES[404] });
  });

  it('when the password changes, then the client keeps the new session and the others end', async () => {
    const { client, tokens } = clientFor(auth);
    const name = uniqueName();
    const { token: first } = await client.register({ name, password });
    const elsewhere = clientFor(auth).client;
    await elsewhere.login({ name, password });
    const { token: fresh } = await client.changePassword({ currentPassword: password, newPassword: `${password}!` });
    expect(fresh).not.toBe(first);
    expect(tokens).toContain(fresh);
    expect((await client.me()).name).toBe(name);
    await expect(elsewhere.me()).rejects.toMatchObject({ status: 401 });
    await expect(client.changePassword({ currentPassword: 'wrong-password', newPassword: 'whatever-new' })).rejects.toMatchObject({
      status: 401,
    });
    // A wrong current password is not an ended session: the client keeps it.
    expect((await client.me()).name).toBe(name);
  });

  it('when the app logs out, then the session ends on the server and the client forgets the token', async () => {
    const { client, tokens } = clientFor(auth);
    const { token } = await client.register({ name: uniqueName(), password });
    await client.logout();
    expect(client.token).toBeUndefined();
    expect(tokens.at(-1)).toBeUndefined();
    // The token itself is refused now, whoever sends it.
    const direct = await api(server.url).get('/api/me', { token });
    expect(direct.status).toBe(401);
    await expect(client.me()).rejects.toMatchObject({ status: 401 });
  });

  it('when another device ends this session, then the next answer is 401 and the client forgets the token', async () => {
    const { client, tokens } = clientFor(auth);
    const name = uniqueName();
    await client.register({ name, password });
    const device = clientFor(auth).client;
    await device.login({ name, password });
    await device.endOtherSessions();
    await expect(client.me()).rejects.toMatchObject({ status: 401 });
    expect(client.token).toBeUndefined();
    expect(tokens.at(-1)).toBeUndefined();
  });
});

describe('network failures', () => {
  it('when nothing listens, then the typed methods throw AzumaNetworkError, not AzumaError', async () => {
    const gone = await startServer();
    await gone.close();
    const client = createAzumaClient({ baseUrl: gone.url });
    const failure = await client.version().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AzumaNetworkError);
    expect(failure).not.toBeInstanceOf(AzumaError);
    expect((failure as Error).cause).toBeInstanceOf(Error);
  });

  it('when an answer does not follow the contract, then it is still an AzumaError', async () => {
    const client = createAzumaClient({
      baseUrl: server.url,
      fetch: async () => new Response('<html>502 Bad Gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }),
    });
    const failure = await client.version().catch((e: unknown) => e);
    expect(failure).toMatchObject({ status: 502, code: 502, message: 'UNEXPECTED_RESPONSE' });
    expect((failure as AzumaError).detail).toContain('502 Bad Gateway');
  });
});

describe('version', () => {
  it('when asked, then the typed method answers the contract version', async () => {
    const { client } = clientFor('header');
    expect(await client.version()).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

describe('a method derived from its table entry', () => {
  /** The chat-shaped contract of client.types.ts, answered by a fake that records what was sent. */
  function chatClient(answer: Response) {
    const sent: Request[] = [];
    const raw = createClient<ChatPaths>({
      baseUrl: 'http://chat.test',
      fetch: async (request: Request) => {
        sent.push(request);
        return answer.clone();
      },
    });
    const chat = operationsOf<ChatPaths>();
    const methods = bindOperations(raw, {
      messages: chat('get', '/api/channels/{channel}/messages', { headers: ['Link'] }),
      post: chat('post', '/api/channels/{channel}/messages', { body: true, headers: ['Location'] }),
      removeMember: chat('delete', '/api/channels/{channel}/members/{member}', { noContent: true }),
    });
    return { methods, sent };
  }
  const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  it('when it has path and query parameters, then both reach the URL and a named header comes back', async () => {
    const { methods, sent } = chatClient(json([{ text: 'hi' }], 200, { Link: '</next>; rel="next"' }));
    const page = await methods.messages('general room', { query: { cursor: 'c1', limit: 2 } });
    expect(sent[0]!.url).toBe('http://chat.test/api/channels/general%20room/messages?cursor=c1&limit=2');
    expect(page).toEqual({ data: [{ text: 'hi' }], headers: { Link: '</next>; rel="next"' } });
  });

  it('when it creates, then the body and request headers are sent and the 201 answer and Location are returned', async () => {
    const { methods, sent } = chatClient(json({ id: 'm1' }, 201, { Location: '/api/messages/m1' }));
    const created = await methods.post('general', { text: 'hi' }, { header: { 'Idempotency-Key': 'k1' } });
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.headers.get('Idempotency-Key')).toBe('k1');
    expect(await sent[0]!.json()).toEqual({ text: 'hi' });
    expect(created).toEqual({ data: { id: 'm1' }, headers: { Location: '/api/messages/m1' } });
  });

  it('when an optional header is absent, then it reads as undefined', async () => {
    const { methods } = chatClient(json([], 200));
    expect((await methods.messages('general')).headers).toEqual({ Link: undefined });
  });

  it('when a 204 is due, then it answers nothing, and a body in its place is UNEXPECTED_RESPONSE', async () => {
    const { methods, sent } = chatClient(new Response(null, { status: 204 }));
    await expect(methods.removeMember('general', 7)).resolves.toBeUndefined();
    expect(new URL(sent[0]!.url).pathname).toBe('/api/channels/general/members/7');
    const wrong = chatClient(json({ id: 'm1' }, 200));
    await expect(wrong.methods.removeMember('general', 7)).rejects.toMatchObject({ status: 200, message: 'UNEXPECTED_RESPONSE' });
  });

  it('when a body is due and the 2xx is empty, then it is UNEXPECTED_RESPONSE', async () => {
    const { methods } = chatClient(new Response(null, { status: 201 }));
    await expect(methods.post('general', { text: 'hi' }, { header: { 'Idempotency-Key': 'k1' } })).rejects.toMatchObject({
      status: 201,
      message: 'UNEXPECTED_RESPONSE',
    });
  });
});
