// Runs the contract's x-codeSamples as a reader would, against a fresh demo server each: curl
// samples in bash, TypeScript samples through the built client (type-checked by tsc, run in
// Chromium on a page at the server's own origin, so cookie auth works as in a browser app).
// A sample that fails throws a SampleFailure naming its operation and label, with what it printed.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AccountCredentials, CodeSample } from '@azuma/contract';
import type { Browser } from 'playwright-core';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { demoOptions } from '../../server/demo.js';
import { launchChromium } from '../../tools/chromium.js';
import { bundleForBrowser } from '../browser/app-origin.js';
import { api } from './api.js';
import { loginUser } from './users.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The origin the samples are written for: the server's default address. */
export const SAMPLE_ORIGIN = (() => {
  const { host, port } = loadConfig({});
  return `http://${host}:${port}`;
})();

export class SampleFailure extends Error {
  override name = 'SampleFailure';
}

export interface DemoServer {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  /** The example accounts it was started with. */
  accounts: readonly AccountCredentials[];
  close(): Promise<void>;
}

/** What `azuma-server --demo` runs, in this process, on a free port and without logs. */
export async function startDemoServer(): Promise<DemoServer> {
  const config = loadConfig({ AZUMA_PORT: '0', AZUMA_LOG_LEVEL: 'silent' }, { demo: true });
  const options = demoOptions();
  const app = await buildApp(config, options);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, accounts: options.accounts, close: () => app.close() };
}

const named = (sample: CodeSample) => `${sample.operation.id} / ${sample.label}`;

export interface SampleRunner {
  /** Runs one sample against a fresh demo server; rejects with a SampleFailure when it fails. */
  run(sample: CodeSample): Promise<void>;
  /** Type-checks TypeScript samples; the errors of each by its index, none for a sample that checks. */
  typecheck(samples: readonly CodeSample[]): Promise<Map<number, string[]>>;
  /** Closes the browser, if one was launched, and removes the scratch folders. */
  close(): Promise<void>;
}

export function sampleRunner(): SampleRunner {
  const scratch = mkdtempSync(join(tmpdir(), 'azuma-samples-'));
  const app = appFolder(join(scratch, 'app'));
  let browser: Promise<Browser> | undefined;
  let runs = 0;
  return {
    async run(sample) {
      if (!sample.source.includes(SAMPLE_ORIGIN)) {
        throw new SampleFailure(`${named(sample)}: calls no API at ${SAMPLE_ORIGIN}, the origin samples are run against`);
      }
      const server = await startDemoServer();
      try {
        if (sample.lang === 'Shell') return await runCurlSample(sample, server, join(scratch, `curl-${++runs}`));
        if (sample.lang === 'TypeScript') {
          browser ??= launchChromium();
          return await runClientSample(sample, server, await browser, app);
        }
        throw new SampleFailure(`${named(sample)}: no runner for lang '${sample.lang}'`);
      } finally {
        await server.close();
      }
    },
    typecheck: (samples) => typecheckSamples(samples, join(scratch, `typecheck-${++runs}`)),
    async close() {
      await (await browser)?.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

// ---- curl ----------------------------------------------------------------------------------

async function login(server: DemoServer): Promise<string> {
  const account = server.accounts[0];
  if (!account) throw new Error('the demo server has no example account to sign in with');
  return (await loginUser(server.url, account)).token;
}

/** A `curl` first on PATH: the real one, failing on HTTP errors, with the samples' origin sent to the server. */
async function curlShim(dir: string, server: DemoServer): Promise<string> {
  const { stdout: real } = await run('sh', ['-c', 'command -v curl']).catch(() => {
    throw new Error('no curl on PATH: the curl samples need curl 7.76 or newer (apt-get install curl; .ci/run does)');
  });
  const origin = new URL(SAMPLE_ORIGIN);
  const target = new URL(server.url);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // -q first: no ~/.curlrc changes what the sample does.
  const args = `-q --fail-with-body -sS --connect-to ${origin.hostname}:${origin.port}:${target.hostname}:${target.port}`;
  writeFileSync(join(bin, 'curl'), `#!/bin/sh\nexec ${real.trim()} ${args} "$@"\n`);
  chmodSync(join(bin, 'curl'), 0o755);
  return bin;
}

/**
 * What the curl samples expect to be set, as the contract says: $TOKEN (the example account's
 * token), $SESSION_ID (another of its sessions) and cookies.txt (a login's cookie jar), each from
 * a real login.
 */
async function curlPrerequisites(dir: string, server: DemoServer, bin: string): Promise<Record<string, string>> {
  await login(server);
  const token = await login(server);
  const listed = await api(server.url).get('/api/me/sessions', { token });
  const { sessions } = (await listed.json()) as { sessions: { id: string; current: boolean }[] };
  const sessionId = sessions.find((session) => !session.current)?.id;
  if (!sessionId) throw new Error('no second session of the example account to offer as $SESSION_ID');
  await run(
    join(bin, 'curl'),
    [
      `${SAMPLE_ORIGIN}/api/login`,
      ...['-H', 'Content-Type: application/json', '-d', JSON.stringify(server.accounts[0]), '-c', 'cookies.txt', '-o', '/dev/null'],
    ],
    { cwd: dir },
  );
  return { TOKEN: token, SESSION_ID: sessionId };
}

async function runCurlSample(sample: CodeSample, server: DemoServer, dir: string): Promise<void> {
  mkdirSync(dir);
  const bin = await curlShim(dir, server);
  const prerequisites = await curlPrerequisites(dir, server, bin);
  writeFileSync(join(dir, 'sample.sh'), sample.source);
  try {
    await run('bash', ['-e', 'sample.sh'], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, ...prerequisites } });
  } catch (error) {
    const { stdout = '', stderr = '', code } = error as { stdout?: string; stderr?: string; code?: number };
    throw new SampleFailure(`${named(sample)}: exited with ${code}\n${stderr}${stdout}`);
  }
}

// ---- TypeScript ----------------------------------------------------------------------------

/** A folder where `@azuma/client` is the built package of this repository, as in an app that installed it. */
function appFolder(dir: string): string {
  mkdirSync(join(dir, 'node_modules', '@azuma'), { recursive: true });
  symlinkSync(join(ROOT, 'client'), join(dir, 'node_modules', '@azuma', 'client'), 'dir');
  return dir;
}

/** Type-checks samples against the built client's .d.ts as browser code (DOM, no Node types), in one tsc run. */
async function typecheckSamples(samples: readonly CodeSample[], folder: string): Promise<Map<number, string[]>> {
  const dir = appFolder(folder);
  const files = samples.map((sample, index) => {
    const file = `sample-${index}.ts`;
    writeFileSync(join(dir, file), sample.source);
    return file;
  });
  const compilerOptions = {
    strict: true,
    target: 'es2022',
    module: 'esnext',
    moduleResolution: 'bundler',
    lib: ['es2022', 'dom'],
    types: [],
    noEmit: true,
    skipLibCheck: true,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
  const errors = new Map<number, string[]>(samples.map((_, index) => [index, []]));
  const output = await run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', dir, '--pretty', 'false']).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  for (const line of output.split('\n').filter(Boolean)) {
    const index = /^sample-(\d+)\.ts\(/.exec(line)?.[1];
    // A line about anything but a sample (a broken client .d.ts) belongs to every sample.
    for (const [sample, list] of errors) if (index === undefined || Number(index) === sample) list.push(line);
  }
  return errors;
}

/** The sample, origin swapped for the server's, bundled for the browser with the built client. */
function bundle(source: string, server: DemoServer, app: string): Promise<string> {
  return bundleForBrowser(source.replaceAll(SAMPLE_ORIGIN, server.url), app, 'ts');
}

/**
 * The page a sample runs in: it imports the sample as a module, and import() settles once the
 * module has run, top-level awaits included, rejecting with whatever the sample threw.
 */
const samplePage = (scriptUrl: string) => `<!doctype html>
<title>sample</title>
<script type="module">
  try {
    await import(${JSON.stringify(scriptUrl)});
    window.sampleOutcome = { threw: null };
  } catch (error) {
    const { name, message, status, detail } = error instanceof Error ? error : { message: String(error) };
    window.sampleOutcome = { threw: \`\${name ?? 'throw'}\${status ? \` \${status}\` : ''}: \${message}\${detail ? \` (\${detail})\` : ''}\` };
  }
</script>
`;

/**
 * Runs the sample in a page at the server's own origin: the page and the script are served by the
 * browser's request interception, every API call reaches the server for real and same-origin,
 * with the browser's own cookie jar.
 */
async function runClientSample(sample: CodeSample, server: DemoServer, browser: Browser, app: string): Promise<void> {
  const script = await bundle(sample.source, server, app);
  const pageUrl = `${server.url}/sample/page.html`;
  const scriptUrl = `${server.url}/sample/sample.js`;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const uncaught: string[] = [];
    page.on('pageerror', (error) => uncaught.push(`${error.name}: ${error.message}`));
    await page.route(pageUrl, (route) => route.fulfill({ contentType: 'text/html', body: samplePage(scriptUrl) }));
    await page.route(scriptUrl, (route) => route.fulfill({ contentType: 'text/javascript', body: script }));
    await page.goto(pageUrl);
    const outcome = await page.waitForFunction(() => (window as Window & { sampleOutcome?: { threw: string | null } }).sampleOutcome);
    const { threw } = (await outcome.jsonValue()) as { threw: string | null };
    const problems = [threw, ...uncaught].filter((problem) => problem !== null);
    if (problems.length > 0) throw new SampleFailure(`${named(sample)}: threw ${problems.join('; ')}`);
  } finally {
    await context.close();
  }
}
