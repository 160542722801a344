// The products as their users meet them: each package packed, linted as a package (publint,
// are-the-types-wrong), installed from its tarball into an empty folder that cannot see this
// repository's node_modules, and used there the way its user would: an app imports the client
// (under Node and bundled into a page in Chromium), an operator runs `npx azuma-server`, an
// implementer runs `npx azuma-conformance` against it.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exampleAccounts, loadContract } from '@azuma/contract';
import type { Browser } from 'playwright-core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled, launchChromium } from '../../tools/chromium.js';
import { type AppOrigin, type AppWindow, bundleApp, serveAppOrigin } from '../browser/app-origin.js';
import { api } from '../support/api.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const PACKAGES = { client: '@azuma/client', conformance: '@azuma/conformance', server: '@azuma/server' } as const;
type Product = keyof typeof PACKAGES;
const { version } = loadContract();

let work: string;
const tarballs = {} as Record<Product, string>;
/** An empty project per product, with only that tarball installed. */
const apps = {} as Record<Product, string>;
/** Every `npx azuma-server` started, stopped after the suite. */
const servers: ChildProcess[] = [];
let serverUrl: string;
let appOrigin: AppOrigin | undefined;

/** Runs `npm …` in `cwd`, as a user would; the npm cache makes it work offline. */
const npm = (cwd: string, args: string[]) =>
  run('npm', args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } });

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesBelow(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/** Starts `npx azuma-server` in its own process group and resolves once it listens. */
function startInstalledServer(cwd: string, env: Record<string, string>, args: string[] = []): Promise<string> {
  const server = spawn('npx', ['--no-install', 'azuma-server', ...args], {
    cwd,
    env: { ...process.env, AZUMA_PORT: '0', ...env },
    detached: true,
  });
  servers.push(server);
  let output = '';
  return new Promise((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /listening at (http:\/\/[\d.]+:\d+)"/.exec(output);
      if (match) resolve(match[1]!);
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.once('exit', (code) => reject(new Error(`azuma-server exited with ${code} before listening:\n${output}`)));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'azuma-products-'));
  // The global setup built dist/; packing again would rebuild it under the other suites' feet.
  const { stdout } = await npm(root, [
    'pack',
    '--json',
    '--ignore-scripts',
    '--pack-destination',
    work,
    ...Object.keys(PACKAGES).flatMap((p) => ['-w', p]),
  ]);
  const packed = JSON.parse(stdout) as { name: string; filename: string }[];
  for (const [product, name] of Object.entries(PACKAGES) as [Product, string][]) {
    tarballs[product] = join(work, packed.find((p) => p.name === name)!.filename);
  }
  await Promise.all(
    (Object.keys(PACKAGES) as Product[]).map(async (product) => {
      apps[product] = join(work, `${product}-user`);
      mkdirSync(apps[product]);
      writeFileSync(join(apps[product], 'package.json'), JSON.stringify({ name: `${product}-user`, private: true, type: 'module' }));
      await npm(apps[product], ['install', '--prefer-offline', tarballs[product]]);
    }),
  );
  // The app's page is served first: the server must name its origin in AZUMA_CORS_ORIGINS.
  if (browserTestsEnabled()) appOrigin = await serveAppOrigin(await bundleApp('@azuma/client', apps.client));
  serverUrl = await startInstalledServer(apps.server, {
    AZUMA_AUTH_RATE_LIMIT: '0',
    // A lifetime under the refresh window: every authenticated request rotates the token.
    AZUMA_SESSION_TTL: '3600',
    ...(appOrigin ? { AZUMA_CORS_ORIGINS: `http://127.0.0.1:${appOrigin.port}` } : {}),
  });
}, 600_000);

// Removing three installed node_modules trees took 15 s on a busy shared machine: past the
// default 10 s hook timeout.
afterAll(async () => {
  await Promise.all(
    servers.map(async (server) => {
      if (!server.pid || server.exitCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }),
  );
  await appOrigin?.close();
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('the packages as published', () => {
  it.each(Object.keys(PACKAGES) as Product[])('when %s is packed, then publint finds nothing to fix', async (product) => {
    const tarball = readFileSync(tarballs[product]);
    const { messages, pkg } = await publint({
      pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
      strict: true,
    });
    expect(messages.map((m) => formatMessage(m, pkg))).toEqual([]);
  });

  it.each(Object.keys(PACKAGES) as Product[])(
    'when %s is packed, then its types resolve for ESM importers (are-the-types-wrong)',
    async (product) => {
      // esm-only: the packages are ESM, as Node ≥ 20 and bundlers load them.
      await expect(run(bin('attw'), [tarballs[product], '--profile', 'esm-only', '--format', 'ascii'])).resolves.toBeDefined();
    },
  );

  it('when each package is listed, then it ships its build and the contract it was built from, and no sources', () => {
    // Each carries the internal @azuma/contract bundled, built, with the openapi.yaml it reads.
    const contract = 'node_modules/@azuma/contract/dist';
    const listed = (product: Product) => filesBelow(join(apps[product], 'node_modules', PACKAGES[product]));
    for (const product of Object.keys(PACKAGES) as Product[]) {
      expect(listed(product).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    }
    expect(listed('server')).toEqual(expect.arrayContaining(['dist/main.js', 'dist/docs/index.html', `${contract}/openapi.yaml`]));
    expect(listed('conformance')).toEqual(expect.arrayContaining(['dist/cli.js', `${contract}/openapi.yaml`]));
    expect(listed('client')).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        `${contract}/generated/contract-facts.js`,
        `${contract}/generated/openapi.d.ts`,
      ]),
    );
  });

  it('when the client and openapi-fetch are bundled, then they stay within 5 kB min+gzip (size-limit)', async () => {
    const { stdout } = await run(bin('size-limit'), ['--json'], { cwd: root });
    const [result] = JSON.parse(stdout) as { passed: boolean; size: number; sizeLimit: number }[];
    expect(result!.size).toBeLessThanOrEqual(result!.sizeLimit);
    expect(result!.passed).toBe(true);
  });
});

describe('an app that installs @azuma/client', () => {
  it('when installed, then it brings openapi-fetch alone: no server dependency, no native build', () => {
    const lock = JSON.parse(readFileSync(join(apps.client, 'node_modules', '.package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    // @azuma/contract comes inside the client's tarball; what it reads YAML with is not installed.
    expect(Object.keys(lock.packages).sort()).toEqual([
      'node_modules/@azuma/client',
      'node_modules/@azuma/client/node_modules/@azuma/contract',
      'node_modules/openapi-fetch',
      'node_modules/openapi-typescript-helpers',
    ]);
    expect(filesBelow(join(apps.client, 'node_modules')).filter((file) => /\.node$|binding\.gyp$/.test(file))).toEqual([]);
  });

  it('when its plain-JS example is type-checked against the installed declarations, then it compiles', async () => {
    copyFileSync(join(root, 'examples', 'quickstart.mjs'), join(apps.client, 'quickstart.mjs'));
    const tsconfig = JSON.parse(readFileSync(join(root, 'examples', 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
    // Node's types are the app's own business; lend it this repository's rather than install them.
    tsconfig.compilerOptions.typeRoots = [join(root, 'node_modules', '@types')];
    writeFileSync(join(apps.client, 'tsconfig.json'), JSON.stringify(tsconfig));
    await expect(run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', apps.client])).resolves.toBeDefined();
  }, 60_000);

  it.each(['header', 'cookie'])(
    'when the example runs under Node in %s mode, then it registers, logs in and follows rotations',
    async (auth) => {
      copyFileSync(join(root, 'examples', 'quickstart.mjs'), join(apps.client, 'quickstart.mjs'));
      const name = `installed_${auth}_${Date.now().toString(36)}`;
      const { stdout } = await run(process.execPath, ['quickstart.mjs', name, auth], {
        cwd: apps.client,
        env: { ...process.env, AZUMA_URL: serverUrl },
      });
      expect(stdout).toContain(`Azuma ${version}: logged in as ${name}`);
      // register, login, then a rotation on each of the two /api/me calls
      expect(stdout).toContain(`still ${name} after 4 token changes`);
    },
  );

  describe.runIf(browserTestsEnabled())('bundled into a page', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    it('when the page uses the installed client in Chromium, then it registers, reads /api/me and follows the rotation', async () => {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${appOrigin!.port}/`);
      await page.waitForFunction(() => 'azuma' in window);
      const name = `page_${Date.now().toString(36)}`;
      const outcome = await page.evaluate(
        async ({ baseUrl, name }) => {
          const { azuma } = window as unknown as AppWindow;
          const client = azuma.createAzumaClient({ baseUrl });
          const { version } = await client.version();
          const session = await client.register({ name, password: 'correct horse battery' });
          const me = await client.me();
          return { version, me: me.name, rotated: client.token !== session.token };
        },
        { baseUrl: serverUrl, name },
      );
      expect(outcome).toEqual({ version, me: name, rotated: true });
    });
  });
});

describe('an operator who installs @azuma/server', () => {
  it('when started with npx azuma-server and no settings, then it created its SQLite file and serves the API and the docs', async () => {
    expect(existsSync(join(apps.server, 'data', 'azuma.sqlite'))).toBe(true);
    expect(await (await api(serverUrl).get('/api/')).json()).toEqual({ version });
    const docs = await fetch(`${serverUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await (await fetch(`${serverUrl}/openapi.yaml`)).text()).toContain(`version: ${version}`);
  });

  it("when started with --demo, then the contract's example accounts sign in", async () => {
    const demoUrl = await startInstalledServer(apps.server, {}, ['--demo']);
    for (const account of exampleAccounts(loadContract())) {
      const login = await api(demoUrl).post('/api/login', { body: account });
      expect(login.status, account.name).toBe(200);
    }
  });

  it('when a setting is wrong, then azuma-server stops at once naming it', async () => {
    const failed = await run('npx', ['--no-install', 'azuma-server'], {
      cwd: apps.server,
      env: { ...process.env, AZUMA_TRUST_PROXY: 'yes' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining("AZUMA_TRUST_PROXY must be 'true', 'false' or") });
  });
});

describe('an implementer who installs @azuma/conformance', () => {
  it('when npx azuma-conformance runs against npx azuma-server, then every check passes', async () => {
    const { stdout } = await run('npx', ['--no-install', 'azuma-conformance', '--base-url', serverUrl, '--runs', '20'], {
      cwd: apps.conformance,
      maxBuffer: 16 * 1024 * 1024,
    });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toContain(
      join(apps.conformance, 'node_modules', '@azuma', 'conformance', 'node_modules', '@azuma', 'contract', 'dist', 'openapi.yaml'),
    );
    expect(lines.filter((line) => line.startsWith('FAIL'))).toEqual([]);
    expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed(, \d+ skipped)?$/);
  }, 120_000);

  it('when asked for help, then it explains --base-url and --contract', async () => {
    const { stdout } = await run('npx', ['--no-install', 'azuma-conformance', '--help'], { cwd: apps.conformance });
    expect(stdout).toContain('--base-url URL');
    expect(stdout).toContain('--contract FILE');
  });

  it('when used as a library, then runConformance reports on the server', async () => {
    const script = `import { runConformance } from '@azuma/conformance';
const report = await runConformance({ baseUrl: process.argv[2], runs: 5, only: ['api.', 'accounts.round-trip', 'accounts.duplicate-name', 'accounts.unknown-name'] });
console.log(JSON.stringify({ passed: report.passed, failed: report.failed }));`;
    writeFileSync(join(apps.conformance, 'library.mjs'), script);
    const { stdout } = await run(process.execPath, ['library.mjs', serverUrl], { cwd: apps.conformance });
    const tally = JSON.parse(stdout) as { passed: number; failed: number };
    // server.reachable, api.version and the three account checks: a few quick ones, not accounts.timing's 50 hashes.
    expect(tally).toEqual({ passed: 5, failed: 0 });
  });
});
