// The tools implementers point at the contract, installed from npm as they would install them:
// Prism's dynamic mock serves answers that validate, its static mock fails the conformance suite
// with reasons that show what came, and Spectral finds nothing but its known false positives.
// Prism as a validating proxy in front of our server is prism-proxy.test.ts.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http } from '../conformance/http.js';
import { runConformance } from '../conformance/index.js';
import { formatResult } from '../conformance/report.js';
import { binOf, type RunningTool } from './support/npm-tools.js';
import {
  contract,
  contractPath,
  exampleRequest,
  INSTALL_TIMEOUT_MS,
  installTestTools,
  prism,
  problems,
  successOf,
  TOKEN,
} from './support/prism.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
/** The dynamic mock invents new data for every answer: each operation is asked this often. */
const DYNAMIC_ROUNDS = 10;

let tools: string;

beforeAll(async () => {
  tools = await installTestTools();
}, INSTALL_TIMEOUT_MS);

describe('prism mock -d (dynamic: data generated from the schemas)', () => {
  let mock: { url: string; tool: RunningTool };
  beforeAll(async () => {
    mock = await prism(tools, ['mock', '-d', contractPath]);
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
    mock = await prism(tools, ['mock', contractPath]);
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
    // The mock answers from memory; a shorter wait keeps the requests it never answers cheap.
    const report = await runConformance({ baseUrl: mock.url, runs: 4, timeoutMs: 4_000 });
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
