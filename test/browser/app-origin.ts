// A web app's own origin for the browser tests: a page and the typed client bundled for the
// browser by esbuild, as an app's bundler would (from the sources, or from an installed package).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const page = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>An app on its own origin</title>
<h1>An app on its own origin</h1>
<script type="module" src="/app.js"></script>
`;

/**
 * The app's script: imports the client by `specifier`, resolved from `fromDir` (the repository's
 * client/index.ts by default, `@azuma/client` in an app that installed it), and puts it on
 * `window.azuma` for the tests to drive.
 */
export function bundleApp(
  specifier = fileURLToPath(new URL('../../client/index.ts', import.meta.url)),
  fromDir = process.cwd(),
): Promise<string> {
  return bundleForBrowser(`import * as azuma from ${JSON.stringify(specifier)};\nwindow.azuma = azuma;\n`, fromDir, 'js');
}

/** One ES module for the browser from `contents`, its imports resolved from `fromDir`. */
export async function bundleForBrowser(contents: string, fromDir: string, loader: 'js' | 'ts'): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: fromDir, loader },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** What the page puts on `window` for the tests to call. */
export type AppWindow = Window & { azuma: typeof import('../../client/index.js') };

export interface AppOrigin {
  /** e.g. `http://127.0.0.1:41234`; the same server also answers as `http://localhost:<port>`. */
  port: number;
  close(): Promise<void>;
}

export async function serveAppOrigin(script?: string): Promise<AppOrigin> {
  const app = script ?? (await bundleApp());
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const send = (type: string, body: string) => response.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
    if (path === '/') return send('text/html', page);
    if (path === '/app.js') return send('text/javascript', app);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
