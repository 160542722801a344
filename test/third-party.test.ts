// The tools implementers point at the contract, installed from npm as they would install them:
// Prism's dynamic mock serves answers that validate, its static mock fails the conformance suite
// with reasons that show what came, its validation proxy finds nothing wrong with our server, not
// even over a whole conformance run (and does find a spoilt cookie, and the statuses contract 1.3.0
// left undocumented), and Spectral finds nothing but its known false positives.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { escapePointer } from '@azuma/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../conformance/contract.js';
import { type Exchange, Http, type RequestSpec } from '../conformance/http.js';
import { CONTRACT_FILE, compileContract, runConformance } from '../conformance/index.js';
import { formatResult } from '../conformance/report.js';
import { type BrokenServer, type ProxiedRequest, type ProxiedResponse, startBrokenServer } from './support/breaking-proxy.js';
import { binOf, freePort, installTools, type RunningTool, startTool } from './support/npm-tools.js';
import { type RunningServer, startServer } from './support/server.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const contractPath = fileURLToPath(CONTRACT_FILE);
const contract = compileContract();

/** Pinned, so a new release of a tool cannot change the verdict under us; 5.14.2 is Prism's last for Node 20. */
const PRISM = '@stoplight/prism-cli@5.14.2';
const SPECTRAL = '@stoplight/spectral-cli@6.16.3';
/** A first install fetches about 430 packages; later runs reuse them. */
const INSTALL_TIMEOUT_MS = 240_000;
/** The dynamic mock invents new data for every answer: each operation is asked this often. */
const DYNAMIC_ROUNDS = 10;
/** A token of the right shape that no server issued: mocks accept any, our server none. */
const TOKEN = 'T'.repeat(64);

let tools: string;
const prismBin = () => binOf(tools, '@stoplight/prism-cli', 'prism');

beforeAll(async () => {
  tools = await installTools([PRISM, SPECTRAL]);
}, INSTALL_TIMEOUT_MS);

/** Starts `prism <command> … ` on a free loopback port; resolves with its base URL once it listens. */
async function prism(args: string[]): Promise<{ url: string; tool: RunningTool }> {
  const port = await freePort();
  const tool = await startTool(prismBin(), [...args, '--host', '127.0.0.1', '--port', String(port)], /Prism is listening on/);
  return { url: `http://127.0.0.1:${port}`, tool };
}

/** The first example the contract gives for `pointer` (a media type or a parameter), `$ref` followed. */
function firstExample(pointer: string): unknown {
  const node = contract.index.at<{ example?: unknown; examples?: Record<string, { $ref?: string; value?: unknown }> } | undefined>(pointer);
  if (node?.example !== undefined) return node.example;
  const [first] = Object.values(node?.examples ?? {});
  if (!first) throw new Error(`the contract has no example at ${pointer}`);
  return first.$ref ? contract.index.at<{ value: unknown }>(contract.index.follow(first.$ref)).value : first.value;
}

/** A request the contract documents as valid for `op`, from its own examples, signed in by header when it must be. */
function exampleRequest(op: Operation, token: string): RequestSpec {
  const at = `#/paths/${escapePointer(op.path)}/${op.method.toLowerCase()}`;
  const parameters = contract.index.at<{ name: string; in: string }[] | undefined>(`${at}/parameters`) ?? [];
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const index = parameters.findIndex((p) => p.in === 'path' && p.name === name);
    return encodeURIComponent(String(firstExample(`${at}/parameters/${index}`)));
  });
  return {
    method: op.method,
    path,
    label: `${op.id}, the contract's example`,
    ...(op.requestSchema ? { json: firstExample(`${at}/requestBody/content/application~1json`) } : {}),
    ...(op.security.length > 0 ? { auth: { header: token } } : {}),
  };
}

const successOf = (op: Operation) => Math.min(...[...op.responses.keys()].filter((status) => status >= 200 && status < 300));

/** What is wrong with an answer: the suite's own contract validation, plus any violation Prism reports about itself. */
function problems(ex: Exchange, expected: number): string[] {
  const prismSaw = ex.headers.get('sl-violations');
  return [
    ...(ex.status === expected ? [] : [`answered ${ex.status}, expected ${expected}: ${ex.text.slice(0, 300)}`]),
    ...ex.violations,
    ...(prismSaw ? [`Prism reports sl-violations ${prismSaw}`] : []),
  ];
}

describe('prism mock -d (dynamic: data generated from the schemas)', () => {
  let mock: { url: string; tool: RunningTool };
  beforeAll(async () => {
    mock = await prism(['mock', '-d', contractPath]);
  }, 90_000);
  afterAll(async () => {
    await mock?.tool.stop();
  });

  it('when every operation is called with the contract examples, then each answers its documented 2xx with body and headers that validate', async () => {
    const http = new Http(mock.url, contract, 10_000);
    const failures: Record<string, string[]> = {};
    for (let round = 0; round < DYNAMIC_ROUNDS; round++) {
      for (const op of contract.operations) {
        const ex = await http.send(exampleRequest(op, TOKEN));
        const found = problems(ex, successOf(op));
        if (found.length > 0) failures[op.id] ??= found;
      }
    }
    expect(failures).toEqual({});
    // A session token in the body, and the session cookie (Prism takes its value from the header's example).
    const register = http.exchanges.find((ex) => ex.operation?.id === 'registerUser');
    expect(register?.json).toMatchObject({ token: expect.stringMatching(contract.index.session.tokenPattern) });
    expect(register?.setCookies).toEqual([expect.stringMatching(/^azuma_session=[A-Za-z0-9]{64}; /)]);
  }, 60_000);
});

describe('prism mock (static: the contract examples)', () => {
  let mock: { url: string; tool: RunningTool };
  beforeAll(async () => {
    mock = await prism(['mock', contractPath]);
  }, 90_000);
  afterAll(async () => {
    await mock?.tool.stop();
  });

  it('when every operation is called with the contract examples, then each answers its documented 2xx and every header it documents is its example, never the literal "string"', async () => {
    const http = new Http(mock.url, contract, 10_000);
    const failures: Record<string, string[]> = {};
    for (const op of contract.operations) {
      const ex = await http.send(exampleRequest(op, TOKEN));
      const documented = op.responses.get(successOf(op))?.headers ?? [];
      const literal = documented.filter((header) => ex.headers.get(header.name) === 'string').map((header) => `${header.name}: string`);
      const found = [...problems(ex, successOf(op)), ...literal];
      if (found.length > 0) failures[op.id] = found;
    }
    expect(failures).toEqual({});
  });

  it('when the conformance suite runs against it, then it fails, and the reasons show what the mock answered', async () => {
    const report = await runConformance({ baseUrl: mock.url, runs: 4, timeoutMs: 10_000 });
    const failed = Object.fromEntries(report.results.filter((r) => r.outcome === 'fail').map((r) => [r.id, r.reason ?? '']));
    // The mock answers every request with the contract's examples, whoever asks and however.
    expect(failed).toMatchObject({
      'accounts.wrong-password': expect.stringMatching(
        /answered 200 \{"token":"vmcG6sPr.*"expiration":"2020-04-13T18:56:20.055234Z"\}, expected 401/,
      ),
      'auth.bad-header': expect.stringMatching(
        /an unknown header token\) answered 200 \{"_id":\{"\$oid":"5e626bd89158f3ecad052a8e"\},"name":"user1"/,
      ),
      // Prism's own answers to what it cannot route or parse, shown as they came.
      'routing.unknown-route': expect.stringMatching(
        /answered 404: content-type is 'application\/problem\+json'.* body \{"type":"https:\/\/stoplight\.io\/prism\/errors#NO_PATH_MATCHED_ERROR"/,
      ),
      // Prism answers malformed JSON with its own 400, or, with some releases of its dependencies
      // (it is installed without a lockfile), never answers at all: either is a failure shown as it came.
      'validation.registerUser.malformed-json': expect.stringMatching(
        /answered 400: body \{"error":\{"code":"invalid_json".*\} breaks the contract: body must have required property 'code'|\(malformed JSON\): no answer/,
      ),
    });
    // Each failure names the rules of the contract it breaks, on its line and in the rules table.
    const line = formatResult(report.results.find((r) => r.id === 'auth.bad-header')!);
    expect(line).toMatch(/^FAIL auth\.bad-header \[AUTH-5\]: .* answered 200 /);
    const rules = Object.fromEntries(report.rules.map((rule) => [rule.id, rule.outcome]));
    expect(rules).toMatchObject({ 'ACCOUNT-5': 'fail', 'AUTH-5': 'fail', 'ERROR-4': 'fail', 'ERROR-2': 'fail' });
  }, 180_000);
});

describe('prism proxy in front of our server (--errors --validate-request=false --cors=false)', () => {
  const flags = ['--errors', '--validate-request=false', '--cors=false'];
  let server: RunningServer;
  let broken: BrokenServer;
  let proxy: { url: string; tool: RunningTool };
  let proxyOfBroken: { url: string; tool: RunningTool };
  beforeAll(async () => {
    // Tokens live an hour, inside the refresh window: every signed-in answer carries a successor to validate.
    server = await startServer({ sessionTtlSeconds: 3600 });
    // The same server with its session cookie spoilt: shows that the proxy does check.
    broken = await startBrokenServer(server.url, {
      response: (_req, res) => (res.headers['set-cookie'] ? { ...res, headers: { ...res.headers, 'set-cookie': 'string' } } : res),
    });
    [proxy, proxyOfBroken] = await Promise.all([
      prism(['proxy', contractPath, server.url, ...flags]),
      prism(['proxy', contractPath, broken.url, ...flags]),
    ]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([proxy?.tool.stop(), proxyOfBroken?.tool.stop()]);
    await broken?.close();
    await server?.close();
  });

  it('when the server sets a cookie that breaks the contract, then Prism answers 500 naming the rule broken', async () => {
    const http = new Http(proxyOfBroken.url, contract, 10_000);
    const ex = await http.send({
      method: 'POST',
      path: '/api/register',
      label: 'register',
      json: { name: 'spoilt', password: 'a long enough secret' },
    });
    expect(ex.status).toBe(500);
    expect(ex.headers.get('content-type')).toBe('application/problem+json');
    expect(ex.json).toMatchObject({
      validation: expect.arrayContaining([
        expect.objectContaining({ location: ['response', 'header', 'set-cookie'], message: expect.stringContaining('; HttpOnly(;|$)') }),
      ]),
    });
  });

  it('when an account lives through every operation and its errors, then Prism finds no violation', async () => {
    const http = new Http(proxy.url, contract, 10_000);
    const name = 'prism-user';
    const password = 'a long enough secret';
    const expected = new Map<Exchange, number>();
    /** Sends `spec` through the proxy; `status` is what our server answers it. */
    const step = async (label: string, spec: Omit<RequestSpec, 'label'>, status: number) => {
      const ex = await http.send({ label, ...spec });
      expected.set(ex, status);
      return ex;
    };
    const tokenOf = (ex: Exchange) => (ex.json as { token: string }).token;
    await step('version', { method: 'GET', path: '/api/' }, 200);
    const token = tokenOf(await step('register', { method: 'POST', path: '/api/register', json: { name, password } }, 200));
    await step('register again', { method: 'POST', path: '/api/register', json: { name, password } }, 409);
    await step('register a short password', { method: 'POST', path: '/api/register', json: { name: 'x', password: 'short' } }, 400);
    await step('log in, wrong password', { method: 'POST', path: '/api/login', json: { name, password: 'wrong password' } }, 401);
    await step('log in with text', { method: 'POST', path: '/api/login', body: 'name=x', contentType: 'text/plain' }, 415);
    const tooLarge = JSON.stringify({ name, password: 'x'.repeat(contract.index.limits.requestBodyLimitBytes) });
    await step(
      'log in with a body over the limit',
      { method: 'POST', path: '/api/login', body: tooLarge, contentType: 'application/json' },
      413,
    );
    const cookie = tokenOf(await step('log in', { method: 'POST', path: '/api/login', json: { name, password } }, 200));
    await step('me by header', { method: 'GET', path: '/api/me', auth: { header: token } }, 200);
    await step('me by cookie', { method: 'GET', path: '/api/me', auth: { cookie } }, 200);
    await step('me, unknown token', { method: 'GET', path: '/api/me', auth: { header: TOKEN } }, 401);
    await step('set status', { method: 'PATCH', path: '/api/me', json: { status: 'via Prism' }, auth: { header: token } }, 200);
    await step('list sessions', { method: 'GET', path: '/api/me/sessions', auth: { header: token } }, 200);
    const unknown = '0123456789abcdef01234567';
    await step('end an unknown session', { method: 'DELETE', path: `/api/me/sessions/${unknown}`, auth: { header: token } }, 404);
    await step('end the others', { method: 'DELETE', path: '/api/me/sessions', auth: { header: token } }, 204);
    await step('log out an ended session', { method: 'POST', path: '/api/logout', auth: { cookie } }, 401);
    const change = { currentPassword: password, newPassword: `${password}!` };
    const changed = await step('change password', { method: 'PUT', path: '/api/me/password', json: change, auth: { header: token } }, 200);
    await step('log out by cookie', { method: 'POST', path: '/api/logout', auth: { cookie: tokenOf(changed) } }, 204);

    const failures = [...expected].map(([ex, status]) => [ex.label, problems(ex, status)] as const).filter(([, found]) => found.length > 0);
    expect(Object.fromEntries(failures)).toEqual({});
  }, 60_000);
});

describe('prism proxy --errors over a whole conformance run against our server', () => {
  const flags = ['--errors', '--validate-request=false', '--cors=false'];
  const released = fileURLToPath(new URL('../releases/openapi-1.3.0.yaml', import.meta.url));
  let server: RunningServer;
  let proxy: { url: string; tool: RunningTool };
  let proxyOf130: { url: string; tool: RunningTool };
  beforeAll(async () => {
    server = await startServer({ sessionTtlSeconds: 3600 });
    [proxy, proxyOf130] = await Promise.all([
      prism(['proxy', contractPath, server.url, ...flags]),
      prism(['proxy', released, server.url, ...flags]),
    ]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([proxy?.tool.stop(), proxyOf130?.tool.stop()]);
    await server?.close();
  });

  /** What Prism reported about our answers: its `sl-violations` header, and any answer it replaced by a violation error. */
  const violationsOf = (req: ProxiedRequest, res: ProxiedResponse): string[] => {
    const reported = res.headers['sl-violations'];
    const replaced = res.status === 500 && /VIOLATIONS/.test(res.body);
    return [...(reported ? [`${req.method} ${req.path} ${res.status}: ${String(reported)}`] : []), ...(replaced ? [res.body] : [])];
  };

  /** Oversized headers on an operation without a body, and a stray body on logout: what 1.3.0 left undocumented. */
  const undocumentedIn130 = async (baseUrl: string): Promise<string[]> => {
    const found: string[] = [];
    const recorder = await startBrokenServer(baseUrl, {
      response(req, res) {
        found.push(...violationsOf(req, res));
        return res;
      },
    });
    try {
      const http = new Http(recorder.url, contract, 10_000);
      const padding = 'x'.repeat(contract.index.limits.requestHeaderLimitBytes + 1024);
      await http.send({ method: 'GET', path: '/api/', label: 'oversized headers', headers: { 'x-padding': padding } });
      const name = `prism-${Date.now().toString(36)}`;
      const registered = await http.send({
        method: 'POST',
        path: '/api/register',
        label: 'register',
        json: { name, password: 'a long enough secret' },
      });
      const { token } = registered.json as { token: string };
      await http.send({
        method: 'POST',
        path: '/api/logout',
        label: 'a stray body',
        body: 'x',
        contentType: 'text/plain',
        auth: { header: token },
      });
    } finally {
      await recorder.close();
    }
    return found;
  };

  it('when 1.3.0 is the contract, then Prism reports the oversized-header 400 and the stray-body 415 as undocumented statuses', async () => {
    const found = await undocumentedIn130(proxyOf130.url);
    expect(found).toEqual([
      expect.stringMatching(/^GET \/api\/ 400: .*Unable to match the returned status code/),
      expect.stringMatching(/^POST \/api\/logout 415: .*Unable to match the returned status code/),
    ]);
  });

  it('when this contract is, then the same requests get no report', async () => {
    expect(await undocumentedIn130(proxy.url)).toEqual([]);
  });

  // A whole run with fuzzing, through two proxies: past the default timeout on a busy machine.
  it('when the conformance suite runs through it, then Prism reports no violation in any answer our server gave', {
    timeout: 300_000,
  }, async () => {
    const found: string[] = [];
    let forwarded = 0;
    const recorder = await startBrokenServer(proxy.url, {
      response(req, res) {
        // Prism answers some requests itself, in its own shape, before our server sees them
        // (problem+json: no credential, unparsable JSON, unknown route); only the rest are ours.
        if (!String(res.headers['content-type'] ?? '').startsWith('application/problem+json')) forwarded++;
        found.push(...violationsOf(req, res));
        return res;
      },
    });
    try {
      const report = await runConformance({ baseUrl: recorder.url, runs: 4, timeoutMs: 15_000 });
      // Every operation was reached through Prism, so each had answers of ours for it to judge.
      const unreached = report.results.filter((r) => r.id.startsWith('contract.') && r.outcome === 'skip').map((r) => r.id);
      expect(unreached).toEqual([]);
      expect(forwarded).toBeGreaterThan(300);
    } finally {
      await recorder.close();
    }
    expect(found).toEqual([]);
  });
});

describe('spectral lint with the spectral:oas ruleset', () => {
  it('when it lints openapi.yaml, then its only errors are the known false positives on \\p{…} patterns (Spectral issue 2419)', async () => {
    const spectral = binOf(tools, '@stoplight/spectral-cli', 'spectral');
    const { stdout } = await run(process.execPath, [spectral, 'lint', '--format', 'json', '--fail-severity', 'error', contractPath], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const results = JSON.parse(stdout) as { code: string; severity: number; message: string; path: string[] }[];
    const errors = results.filter((r) => r.severity === 0);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error, error.path.join('/')).toMatchObject({ code: 'oas3-valid-media-example', message: expect.stringContaining('\\p{') });
    }
  }, 60_000);
});
