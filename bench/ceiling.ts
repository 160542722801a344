// The ceiling the benchmark compares the server with: GET /api/ and GET /api/me as plain Fastify
// routes doing the server's own lookups (its session service and repositories, on the same
// database file), and nothing else: no fastify-openapi-glue, no schema validation or serializer,
// no cookie or rate-limit plugin, no hooks. It answers what the server answers, byte for byte
// but the Date (bench/run.ts checks): the security headers the server sends come in as
// AZUMA_BENCH_HEADERS (JSON), learnt from the server's own response, since they are the server's
// policy rather than its contract layer. What the server spends beyond this is the price of that
// layer and its glue. Started like server/main.ts, from the same AZUMA_* variables; the
// session header is the only credential it reads.
import Fastify from 'fastify';
import { loadContract } from '../contract/index.js';
import { sessionService } from '../server/auth/sessions.js';
import { sessionRules } from '../server/compose.js';
import { loadConfig } from '../server/config.js';
import { sqliteStore } from '../server/db/sqlite/store.js';

const config = loadConfig(process.env);
const store = sqliteStore(config.dbPath);
const contract = loadContract();
const { header } = contract.session;
const sessions = sessionService(store.sessions, sessionRules(config, contract), Date.now);
const users = store.users;
const { version } = contract;
const headers = JSON.parse(process.env.AZUMA_BENCH_HEADERS ?? '{}') as Record<string, string>;

// Request logging as in server/app.ts (same level, same redaction), so both sides pay for it.
const app = Fastify({
  logger: {
    level: config.logLevel,
    redact: [
      'req.headers.cookie',
      `req.headers["${header.toLowerCase()}"]`,
      'res.headers["set-cookie"]',
      `res.headers["${header.toLowerCase()}"]`,
    ],
  },
});
app.addHook('onClose', () => store.close());

app.get('/api/', async (_request, reply) => {
  reply.headers(headers);
  return { version };
});

app.get('/api/me', async (request, reply) => {
  const token = request.headers[header.toLowerCase()];
  const session = typeof token === 'string' ? await sessions.authenticate(token) : undefined;
  const user = session && (await users.findById(session.userId));
  reply.headers(headers);
  if (!session || !user) return reply.code(401).send({ code: 401, message: contract.errors.get(401) });
  if (session.successor) reply.header(header, session.successor.token);
  return { _id: { $oid: user.id }, name: user.name, icon: user.icon, status: user.status };
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
await app.listen({ host: config.host, port: config.port });
