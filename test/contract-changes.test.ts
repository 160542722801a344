// The contract is the single source: rename the session cookie and an error constant in
// openapi.yaml, and the server sends the new ones, the client (built from the changed contract)
// reads them, and the conformance suite expects them, with no code changed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONTRACT_FILE, indexContract } from '@azuma/contract';
import { renderClientFacts } from '@azuma/contract/client-facts';
import { ERROR_MESSAGES, SESSION_COOKIE } from '@azuma/contract/generated/contract-facts';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformance } from '../conformance/index.js';
import { api } from './support/api.js';
import { type RunningServer, startServer } from './support/server.js';
import { registerUser } from './support/users.js';

const original = readFileSync(CONTRACT_FILE, 'utf8');
const changed = original.replaceAll(SESSION_COOKIE, 'chat_sid').replaceAll(ERROR_MESSAGES[401], 'NOT_SIGNED_IN');
const password = 'correct horse battery';

let dir: string;
let contractFile: string;
let changedServer: RunningServer;
let originalServer: RunningServer;
type ClientModule = typeof import('../client/index.js');
let changedClient: ClientModule;

/** The client as `npm run build` would make it from the changed contract: facts regenerated, then bundled. */
async function buildClientFrom(contractText: string): Promise<ClientModule> {
  const facts = join(dir, 'contract-facts.ts');
  writeFileSync(facts, renderClientFacts(indexContract(contractText)));
  const out = join(dir, 'client.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('../client/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: out,
    logLevel: 'silent',
    plugins: [{ name: 'facts', setup: (b) => b.onResolve({ filter: /\/generated\/contract-facts$/ }, () => ({ path: facts })) }],
  });
  return import(pathToFileURL(out).href) as Promise<ClientModule>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'azuma-contract-change-'));
  contractFile = join(dir, 'openapi.yaml');
  writeFileSync(contractFile, changed);
  changedServer = await startServer({}, { contract: indexContract(changed, contractFile) });
  originalServer = await startServer();
  changedClient = await buildClientFrom(changed);
});

afterAll(async () => {
  await changedServer?.close();
  await originalServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('when the contract renames the session cookie and the 401 constant', () => {
  it('then the server sets and reads the new cookie, and answers the new constant', async () => {
    const { token, response: register } = await registerUser(changedServer.url, { name: 'renamed', password });
    expect(register.headers.getSetCookie()).toEqual([expect.stringMatching(new RegExp(`^chat_sid=${token}; `))]);
    // The typed client sends the unchanged contract's cookie; the changed one is written out.
    const changedApi = api(changedServer.url);
    expect((await changedApi.get('/api/me', { headers: { cookie: `chat_sid=${token}` } })).status).toBe(200);
    const oldCookie = await changedApi.get('/api/me', { cookie: token });
    expect(await oldCookie.json()).toMatchObject({ code: 401, message: 'NOT_SIGNED_IN' });
  });

  it('then a client built from it keeps the new cookie and knows the new constant', async () => {
    const client = changedClient.createAzumaClient({ baseUrl: changedServer.url, auth: 'cookie' });
    await client.register({ name: 'client-renamed', password });
    expect((await client.me()).name).toBe('client-renamed');
    const stranger = changedClient.createAzumaClient({ baseUrl: changedServer.url });
    await expect(stranger.me()).rejects.toMatchObject({ name: 'AzumaError', status: 401, message: 'NOT_SIGNED_IN' });
  });

  it('then the suite checking against it passes the changed server and fails the unchanged one on exactly those facts', async () => {
    const only = ['auth.', 'accounts.session-cookie', 'accounts.wrong-password'];
    const onChanged = await runConformance({ baseUrl: changedServer.url, contract: contractFile, runs: 2, only });
    expect(onChanged.results.filter((r) => r.outcome === 'fail')).toEqual([]);

    const onOriginal = await runConformance({ baseUrl: originalServer.url, contract: contractFile, runs: 2, only });
    const reasons = onOriginal.results.filter((r) => r.outcome === 'fail').map((r) => `${r.id}: ${r.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^auth\\.no-credential: .*error message "${ERROR_MESSAGES[401]}" should be NOT_SIGNED_IN`)),
        expect.stringMatching(/^accounts\.session-cookie: .*set the chat_sid cookie 0 times/),
      ]),
    );
  });
});
