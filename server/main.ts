// npm start: read config → build the app (opening the database) → listen; close cleanly on signals.
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`azuma: ${error.message}`);
  process.exit(1);
}

const app = await buildApp(config);
// Requests that could hang forever must not keep a shutdown waiting forever.
app.server.requestTimeout = 30_000;
app.server.headersTimeout = 10_000;

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    // close() stops accepting, lets in-flight requests finish, then runs onClose (database close).
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

await app.listen({ host: config.host, port: config.port });
