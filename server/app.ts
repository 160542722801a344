import { type AccountCredentials, type LoadedContract, loadContract } from '@azuma/contract';
import Fastify, { type FastifyInstance } from 'fastify';
import { composeServices, type ServiceOptions } from './compose.js';
import type { Config } from './config.js';
import { accountHandlers } from './domains/accounts/handlers.js';
import { healthHandlers } from './domains/health/handlers.js';
import { healthState } from './domains/health/service.js';
import { sessionHandlers } from './domains/sessions/handlers.js';
import { clientErrorHandler, errorBodies, errorShape } from './errors.js';
import type { Handlers } from './handlers.js';
import { AccessLog, createLogger } from './http/access-log.js';
import { capConnections, descriptorShortfall, spareAnsweringSockets } from './http/connections.js';
import { contractRoutes } from './http/contract-routes.js';
import { docsRoutes } from './http/docs.js';
import { hardening } from './http/hardening.js';
import { securityChecks } from './http/security.js';

export interface AppOptions extends ServiceOptions {
  /** The contract to serve; openapi.yaml beside the code unless told (tests try changed ones). */
  contract?: LoadedContract;
  /** Where log lines go (stdout by default); tests read them to check what is logged. */
  logStream?: { write(line: string): void };
  /** Accounts registered before the app answers anything, with no session (the demo's example accounts). */
  accounts?: readonly AccountCredentials[];
}

/** Builds the whole API without listening: tests inject into it, main.ts listens. */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const contract = options.contract ?? loadContract();
  const { requestBodyLimitBytes: bodyLimit, requestHeaderLimitBytes: maxHeaderSize } = contract.limits;
  const bodies = errorBodies(contract.errors);

  const log = createLogger(config.logLevel, contract.session.header, options.logStream);
  const app = Fastify({
    // Given a logger, Fastify makes every request a child logger and response listeners, whether or
    // not a line is written, a cost the benchmark measures. So it gets ours only to write access
    // lines.
    ...(config.accessLog && { loggerInstance: log, logController: new AccessLog() }),
    bodyLimit,
    trustProxy: config.trustProxy,
    // Requests must match the contract as sent: nothing stripped, nothing coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // Fastify's own 503 while closing is not in the error shape; the hardening plugin answers instead.
    return503OnClosing: false,
    // Tokens are short: the contract's header limit is plenty, and bounds what each request holds.
    http: { maxHeaderSize, headersTimeout: config.headersTimeoutSeconds * 1000, connectionsCheckingInterval: 1000 },
    // A socket that sends nothing this long is closed, before or between requests or while one
    // arrives; one whose request waits for its answer is spared (connections.ts).
    connectionTimeout: config.idleTimeoutSeconds * 1000,
    keepAliveTimeout: config.idleTimeoutSeconds * 1000,
    requestTimeout: config.requestTimeoutSeconds * 1000,
    clientErrorHandler: clientErrorHandler(bodies, maxHeaderSize),
  });

  // Without access lines Fastify holds a logger that drops everything; what the app itself logs
  // (listening, warnings, errors, shutdown) still goes to ours.
  app.log = log;
  // Past either cap a new connection is closed at once: idle sockets cannot take every
  // descriptor, and one address cannot take every connection.
  capConnections(app.server, config);
  spareAnsweringSockets(app.server);
  const shortfall = descriptorShortfall(config.maxConnections);
  if (shortfall) app.log.warn(shortfall);

  const services = await composeServices(config, contract, options, (message, details) => app.log.warn(details, message));
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
    await services.sessions.endAllBut(registration.signedIn.user.id, undefined);
  }

  await app.register(errorShape, { bodies, bodyLimit });
  await app.register(hardening, {
    corsOrigins: config.corsOrigins,
    sessionHeader: contract.session.header,
    methods: [...new Set(contract.operations.map((op) => op.method))],
  });
  await app.register(contractRoutes, {
    contract,
    // Each domain's operations; `satisfies` keeps a missing operation a compile error.
    handlers: {
      ...healthHandlers({ version: contract.version, health }),
      ...accountHandlers(services),
      ...sessionHandlers(services),
    } satisfies Handlers,
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
