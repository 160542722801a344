import { type Contract, type Credentials, loadContract } from '@azuma/contract';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { AccessLog, createLogger } from './access-log.js';
import { composeServices, type ServiceOptions } from './compose.js';
import type { Config } from './config.js';
import { capConnections, descriptorShortfall, spareAnsweringSockets } from './connections.js';
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
  /**
   * Not a setting: the benchmark's cost table (`npm run bench -- --explain`, bench/layered.ts)
   * builds the app with some layers left out, to price each. Every layer is on unless set false.
   */
  layers?: Partial<Layers>;
}

/** The parts of the app around the handlers that each cost CPU on every request. */
export interface Layers {
  /** The logger (off: nothing is logged at all). */
  requestLog: boolean;
  /** The API's (or a route's own) security headers on every answer. */
  securityHeaders: boolean;
  /** @fastify/cookie: the session cookie read and written (off: no request has cookies). */
  cookies: boolean;
  /** The contract's schemas on each route: requests validated by Ajv, answers serialized by them. */
  contractSchemas: boolean;
  /** @fastify/rate-limit registered (its per-route limit needs AZUMA_AUTH_RATE_LIMIT > 0 too). */
  rateLimit: boolean;
  /** The hardening hooks: the answer while draining, refused bodies drained, bodies required and checked for lone surrogates. */
  hooks: boolean;
}

export const ALL_LAYERS: Readonly<Layers> = Object.freeze({
  requestLog: true,
  securityHeaders: true,
  cookies: true,
  contractSchemas: true,
  rateLimit: true,
  hooks: true,
});

/** Builds the whole API without listening: tests inject into it, main.ts listens. */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const contract = options.contract ?? loadContract();
  const { requestBodyLimitBytes: bodyLimit, requestHeaderLimitBytes: maxHeaderSize } = contract.limits;
  const bodies = errorBodies(contract.errors);
  const layers = { ...ALL_LAYERS, ...options.layers };

  const log = layers.requestLog ? createLogger(config.logLevel, contract.session.header, options.logStream) : pino({ enabled: false });
  const app = Fastify({
    // Given a logger, Fastify makes every request a child logger and response listeners, whether or
    // not a line is written: about as much CPU as the security headers. So it gets ours only to
    // write access lines.
    ...(config.accessLog && layers.requestLog && { loggerInstance: log, logController: new AccessLog() }),
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
    layers,
  });
  await app.register(contractRoutes, {
    contract,
    handlers: createHandlers({ version: contract.version, health, ...services }),
    checks: securityChecks(contract.securitySchemes, services.sessions, services.transport),
    authRateLimit: config.authRateLimit,
    layers,
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
