// A web app's own origin for the browser tests: a page plus the typed client as the browser loads
// it, ES modules compiled from client/*.ts on request (what `npm run build` emits, without racing
// other suites for dist/), and openapi-fetch through an import map.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import ts from 'typescript';

const root = new URL('../../', import.meta.url);

const page = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>An app on its own origin</title>
<script type="importmap">{ "imports": { "openapi-fetch": "/vendor/openapi-fetch.mjs" } }</script>
<h1>An app on its own origin</h1>
<script type="module">
  // What an app does: import the client. Tests drive it through window.azuma.
  import * as azuma from '/client/index.js';
  window.azuma = azuma;
</script>
`;

async function clientModule(name: string): Promise<string> {
  const source = await readFile(new URL(`client/${name}.ts`, root), 'utf8');
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  }).outputText;
}

/** What the page puts on `window` for the tests to call. */
export type AppWindow = Window & { azuma: typeof import('../../client/index.js') };

export interface AppOrigin {
  /** e.g. `http://127.0.0.1:41234`; the same server also answers as `http://localhost:<port>`. */
  port: number;
  close(): Promise<void>;
}

export async function serveAppOrigin(): Promise<AppOrigin> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const send = (type: string, body: string) => response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
    const module = /^\/client\/([a-z-]+)\.js$/.exec(path);
    if (path === '/') return send('text/html', page);
    if (path === '/vendor/openapi-fetch.mjs') {
      return void readFile(new URL('node_modules/openapi-fetch/dist/index.mjs', root), 'utf8').then((js) => send('text/javascript', js));
    }
    if (module?.[1]) {
      return void clientModule(module[1]).then(
        (js) => send('text/javascript', js),
        () => response.writeHead(404).end(),
      );
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
