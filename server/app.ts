import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { type Contract, type Credentials, loadContract } from '../contract/index.js';
import { composeServices, type ServiceOptions } from './compose.js';
import type { Config } from './config.js';
import { clientErrorHandler, errorBodies, errorShape } from './errors.js';
import { createHandlers } from './handlers.js';
import { healthState } from './health.js';
import { contractRoutes } from './plugins/contract-routes.js';
import { docsRoutes } from './plugins/docs.js';
import { hardening } from './plugins/hardening.js';
import { securityChecks } from './security.js';

export interface AppOptions extends ServiceOptions {
  /** The contract to serve; openapi.yaml beside the code unless told (tests try changed ones). */
  contract?: Contract;
  /** Where log lines go (stdout by default); tests read them to check what is logged. */
  logStream?: { write(line: string): void };
  /** Accounts registered before the app answers anything, with no session (the demo's example accounts). */
  accounts?: readonly Credentials[];
}

/** What a log line says of a request: Fastify's default fields, the URL cut at its query string. */
function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: request.url.split('?')[0],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Builds the whole API without listening: tests inject into it, main.ts listens. */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const contract = options.contract ?? loadContract();
  const { requestBodyLimitBytes: bodyLimit, requestHeaderLimitBytes: maxHeaderSize } = contract.limits;
  const bodies = errorBodies(contract.errors);
  const header = contract.session.header.toLowerCase();

  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Pino's request serializer leaves headers out; should anyone log them, credentials stay out.
      redact: ['req.headers.cookie', `req.headers["${header}"]`, 'res.headers["set-cookie"]', `res.headers["${header}"]`],
      // The path without its query string: whatever a client puts there (a token, say) stays out of the log.
      serializers: { req: requestForLog },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit,
    trustProxy: config.trustProxy,
    // Requests must match the contract as sent: nothing stripped, nothing coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // Fastify's own 503 while closing is not in the error shape; the hardening plugin answers instead.
    return503OnClosing: false,
    // Tokens are short: the contract's header limit is plenty, and bounds what each request holds.
    http: { maxHeaderSize, headersTimeout: config.headersTimeoutSeconds * 1000, connectionsCheckingInterval: 1000 },
    // A socket that sends nothing this long is closed, whether before, during or between requests.
    connectionTimeout: config.idleTimeoutSeconds * 1000,
    keepAliveTimeout: config.idleTimeoutSeconds * 1000,
    requestTimeout: config.requestTimeoutSeconds * 1000,
    clientErrorHandler: clientErrorHandler(bodies, maxHeaderSize),
  });

  // Past the cap Node closes new connections at once: idle sockets cannot take every descriptor.
  app.server.maxConnections = config.maxConnections;

  const services = composeServices(config, contract, options, (message, details) => app.log.warn(details, message));
  app.decorate('sweepExpiredSessions', services.sweepExpiredSessions);
  const health = healthState(services.ping, (message, error) => app.log.warn({ err: error }, message));
  app.decorate('startDraining', health.startDraining);
  app.addHook('onClose', services.close);
  for (const { name, password } of options.accounts ?? []) {
    const registration = await services.accounts.register(name, password, undefined, undefined);
    if (registration.outcome !== 'registered')
      throw new Error(
        `cannot register the account '${name}': ${registration.outcome === 'taken' ? 'the name is taken' : registration.problem}`,
      );
    // An account to sign in to, not a signed-in session nobody holds the token of.
    services.sessions.endAllBut(registration.signedIn.user.id, undefined);
  }

  await app.register(errorShape, { bodies, bodyLimit });
  await app.register(hardening, {
    corsOrigins: config.corsOrigins,
    sessionHeader: contract.session.header,
    methods: [...new Set(contract.operations.map((op) => op.method))],
  });
  await app.register(contractRoutes, {
    contract,
    handlers: createHandlers({ version: contract.version, health, ...services }),
    checks: securityChecks(contract.securitySchemes, services.sessions, services.transport),
    authRateLimit: config.authRateLimit,
    redisUrl: config.redisUrl,
  });
  await app.register(docsRoutes, { contractText: contract.text });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs the expired-session sweep now; resolves to the rows deleted. */
    sweepExpiredSessions(): Promise<number>;
    /** Readiness answers 503 from now on; main.ts calls it on SIGTERM/SIGINT, before closing. */
    startDraining(): void;
  }
}
