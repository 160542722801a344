// The server with some of its layers left out, for the cost table (`npm run bench -- --explain`):
// server/app.ts's buildApp with AppOptions.layers from AZUMA_BENCH_LAYERS (JSON; every layer on
// unless set false). A bench-only entry, so no setting of the real server can turn a layer off.
import { buildApp, type Layers } from '../server/app.js';
import { loadConfig } from '../server/config.js';
import { announce } from './announce.js';

const layers = JSON.parse(process.env.AZUMA_BENCH_LAYERS ?? '{}') as Partial<Layers>;
const config = loadConfig(process.env);
const app = await buildApp(config, { layers });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
const url = await app.listen({ host: config.host, port: config.port });
// With the logger on, it has said so already.
if (layers.requestLog === false) announce(url);
