// The ceiling the benchmark compares the server with: bare Fastify, as someone would write these
// two routes by hand. Logger off, no hooks, no plugins, no schemas, no security headers: only
// GET /api/ and GET /api/me over the server's own session service and repositories (the same
// SQL, on the same database file), answering the same status and JSON body (bench/run.ts checks
// before measuring). Whatever the server spends beyond this is the price of everything it adds;
// `npm run bench -- --explain` sets the two side by side. Started like server/main.ts, from the same
// AZUMA_* variables; the session header is the only credential it reads.

import { loadContract } from '@azuma/contract';
import Fastify from 'fastify';
import { sessionRules } from '../server/compose.js';
import { loadConfig } from '../server/config.js';
import { sqliteStore } from '../server/db/sqlite/store.js';
import { sessionService } from '../server/domains/sessions/service.js';
import { announce } from './announce.js';

const config = loadConfig(process.env);
const store = sqliteStore(config.dbLocation);
const contract = loadContract();
const header = contract.session.header.toLowerCase();
const sessions = sessionService(store.sessions, sessionRules(config, contract), Date.now);
const users = store.users;
const { version } = contract;
const unauthorized = { code: 401, message: contract.errors.get(401) };

// The server's socket timeouts: its answers then carry the same `Keep-Alive: timeout=…`, and idle
// sockets close alike on both sides.
const app = Fastify({
  logger: false,
  connectionTimeout: config.idleTimeoutSeconds * 1000,
  keepAliveTimeout: config.idleTimeoutSeconds * 1000,
});
app.addHook('onClose', () => store.close());

app.get('/api/', async () => ({ version }));

app.get('/api/me', async (request, reply) => {
  const token = request.headers[header];
  const session = typeof token === 'string' ? await sessions.authenticate(token) : undefined;
  const user = session && (await users.findById(session.userId));
  if (!session || !user) return reply.code(401).send(unauthorized);
  if (session.successor) reply.header(header, session.successor.token);
  return { _id: { $oid: user.id }, name: user.name, icon: user.icon, status: user.status };
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
announce(await app.listen({ host: config.host, port: config.port }));
