// @azuma/server as a library: build the app (to embed it, or inject into it in tests) from a
// validated config. The azuma-server bin (main.ts) is the usual way in.
export { type AppOptions, buildApp } from './app.js';
export { type Config, ConfigError, loadConfig } from './config.js';
