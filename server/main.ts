#!/usr/bin/env node
// azuma-server (and `npm start`): read config → build the app (opening the database) → listen;
// close cleanly on signals. Whatever stops start-up is one line naming the setting to change.
// `--demo` (`npm run demo`) runs it as a sandbox instead: see demo.ts.
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig, readFlags, USAGE } from './config.js';
import { isPostgresUrl } from './db/location.js';
import { surviveDriverWriteRace } from './db/postgres/write-race.js';
import { demoListenText, demoOptions } from './demo.js';

function stop(message: string): never {
  console.error(`azuma: ${message}`);
  process.exit(1);
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

let config: Config;
try {
  const flags = readFlags(process.argv.slice(2));
  if (flags.help) {
    console.log(USAGE);
    process.exit(0);
  }
  config = loadConfig(process.env, flags);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  stop(error.message);
}

// A process-wide guard for one known bug of the PostgreSQL driver (see write-race.ts); only a
// server on PostgreSQL needs it, and the entry point owns what the process does with its errors.
if (isPostgresUrl(config.dbLocation)) surviveDriverWriteRace((message) => console.warn(`azuma: ${message}`));

const demo = config.demo ? demoOptions() : undefined;
const app = await buildApp(config, demo).catch((error: unknown) => {
  if (error instanceof ConfigError) stop(error.message);
  throw error;
});

// On the first signal the instance drains: readiness answers 503 (so a load balancer stops sending
// it new requests) while it serves on for AZUMA_DRAIN_SECONDS; then it closes. A second signal
// cuts the wait short.
let drained: (() => void) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (drained) return drained();
    const waited = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, config.drainSeconds * 1000);
      drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    app.startDraining();
    app.log.info({ signal, drainSeconds: config.drainSeconds }, 'draining: readiness answers 503 from now on');
    void waited.then(() => {
      app.log.info('shutting down: finishing in-flight requests');
      // close() stops accepting, lets in-flight requests finish, then runs onClose (database close).
      return app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  });
}

try {
  await app.listen({
    host: config.host,
    port: config.port,
    ...(demo ? { listenTextResolver: demoListenText(demo.accounts) } : {}),
  });
} catch (error) {
  await app.close();
  stop(`cannot listen on AZUMA_HOST='${config.host}' AZUMA_PORT=${config.port}: ${reason(error)}`);
}
