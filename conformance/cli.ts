#!/usr/bin/env node
// `azuma-conformance --base-url http://host:port` (in the repository: `npm run conformance -- …`):
// checks the Azuma server at that URL against the contract, one line per check, exit code 0 only
// when all pass.
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONTRACT_FILE, type Contract, compileContract } from './contract.js';
import { allChecks, DEFAULT_RUNS, DEFAULT_SLOW_CONNECTIONS, DEFAULT_TIMEOUT_MS, runConformance } from './index.js';
import { formatResult, formatRules, formatRuleTally, formatTally, writeJson, writeJUnit } from './report.js';
import { ruleResults } from './rules.js';

const USAGE = `Usage: azuma-conformance --base-url URL [options]
       azuma-conformance --rules [--contract FILE]

Checks the Azuma server at URL against the Azuma contract, black-box over HTTP.
It registers its own users with random names; run the server with its auth rate limit
off or high (reference server: AZUMA_AUTH_RATE_LIMIT=0).
Every check proves rules of the contract (its x-rules, ids like AUTH-1), shown in
brackets on its line; --rules adds the table rule → checks → result.

Options:
  --base-url URL   the server to check, e.g. http://127.0.0.1:3000 (required)
  --contract FILE  the OpenAPI contract to check against (default: the one this package
                   was built with, ${fileURLToPath(CONTRACT_FILE)})
  --runs N         fuzz cases per property (default ${DEFAULT_RUNS}; properties that make the
                   server hash passwords run a quarter of N)
  --seed S         fast-check seed, to reproduce a failing run (default: random, printed)
  --only PREFIXES  only the checks whose id starts with one of these (comma-separated)
  --rules          after the run, print every rule of the contract with the checks that
                   prove it and their outcome; without --base-url, print the rules and
                   their checks without running anything
  --json FILE      also write the report as JSON
  --junit FILE     also write the report as JUnit XML
  --timeout MS     per-request timeout (default ${DEFAULT_TIMEOUT_MS})
  --slow-connections N
                   at most this many slow connections from one loopback address for
                   connections.per-address, which stops sooner once the server closes
                   new ones (default ${DEFAULT_SLOW_CONNECTIONS}: more than a sane per-address cap)
  -h, --help       this text

Exit code: 0 when every check passed (skipped ones aside), 1 when any failed, 2 on bad usage.`;

function fail(message: string): never {
  console.error(`azuma-conformance: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integer(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) fail(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return Number(value);
}

const OPTIONS = {
  'base-url': { type: 'string' },
  contract: { type: 'string' },
  runs: { type: 'string' },
  seed: { type: 'string' },
  only: { type: 'string', multiple: true },
  json: { type: 'string' },
  junit: { type: 'string' },
  timeout: { type: 'string' },
  'slow-connections': { type: 'string' },
  rules: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse() {
  try {
    return parseArgs({ options: OPTIONS, strict: true }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

const args = parse();
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const baseUrl = args['base-url'];
if (!baseUrl && !args.rules) fail('--base-url is required');
if (baseUrl && !/^https?:\/\/[^/]/.test(baseUrl)) fail(`--base-url must be an http(s) URL, got '${baseUrl}'`);
const runs = integer('runs', args.runs, 1);
// Chosen here, not in the library, so the first line can print it before anything can fail.
const seed = integer('seed', args.seed, 0) ?? randomInt(2 ** 31 - 1);
const timeoutMs = integer('timeout', args.timeout, 1);
const slowConnections = integer('slow-connections', args['slow-connections'], 1);
const only = args.only
  ?.flatMap((list) => list.split(','))
  .map((s) => s.trim())
  .filter(Boolean);

const contractFile = args.contract ? resolve(args.contract) : fileURLToPath(CONTRACT_FILE);
let contract: Contract;
try {
  contract = compileContract(contractFile);
} catch (error) {
  fail(`cannot use the contract ${contractFile}: ${error instanceof Error ? error.message : String(error)}`);
}

if (!baseUrl) {
  const rules = ruleResults(contract, allChecks(contract));
  console.log(formatRules(rules));
  console.log(formatRuleTally(rules));
  process.exit(0);
}

console.log(
  `azuma-conformance: ${baseUrl} against ${contractFile} ${contract.version} (seed ${seed}, ${runs ?? DEFAULT_RUNS} fuzz runs per property)`,
);
const report = await runConformance({
  baseUrl,
  contract,
  ...(runs !== undefined ? { runs } : {}),
  seed,
  ...(only ? { only } : {}),
  ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  ...(slowConnections !== undefined ? { slowConnections } : {}),
  onResult: (result) => console.log(formatResult(result)),
});
if (args.json) writeJson(args.json, report);
if (args.junit) writeJUnit(args.junit, report);
if (args.rules) console.log(`\n${formatRules(report.rules)}\n${formatRuleTally(report.rules)}`);
if (report.failed > 0) console.log(`seed ${report.seed}: rerun with --seed ${report.seed} to repeat the fuzzing`);
console.log(formatTally(report));
process.exitCode = report.failed > 0 ? 1 : 0;
