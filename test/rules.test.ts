// Traceability: every rule of the contract (`x-rules`) is proved by a conformance check or says
// why no client can observe it; every part of the contract that states something is cited by a
// rule; and `azuma-conformance --rules` prints the table.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { descriptionSections, escapePointer } from '@azuma/contract';
import { describe, expect, it } from 'vitest';
import { allChecks, compileContract, ruleResults, unknownRules } from '../conformance/index.js';
import { startServer } from './support/server.js';

const contract = compileContract();
const checks = allChecks(contract);
const { rules, document } = contract.index;

describe('the rules of the contract', () => {
  it('when listed against the checks, then each is proved by a check or states why none can exist, never both', () => {
    const standing = ruleResults(contract, checks);
    expect(standing.filter((rule) => rule.outcome === 'unchecked').map((rule) => rule.id)).toEqual([]);
    expect(rules.filter((rule) => rule.untestable !== undefined && checks.some((c) => c.rules.includes(rule.id))).map((r) => r.id)).toEqual(
      [],
    );
  });

  it('when the checks name rules, then every name is a rule of the contract and only the reachability probe names none', () => {
    expect(unknownRules(contract, checks)).toEqual([]);
    expect(checks.filter((check) => check.rules.length === 0).map((check) => check.id)).toEqual(['server.reachable']);
  });

  it('when the contract states something (a section, an operation, a component), then some rule cites it', () => {
    const cited = rules.flatMap((rule) => rule.where);
    // A place is cited when a rule points at it or inside it: pointing at all of /paths cites no one operation.
    const isCited = (pointer: string) => cited.some((place) => place === pointer || place.startsWith(`${pointer}/`));
    const places = [
      ...descriptionSections(document).map((section) => `§${section}`),
      ...contract.index.operations.map((op) => `#/paths/${escapePointer(op.path)}/${op.method.toLowerCase()}`),
      ...(['schemas', 'headers', 'responses', 'securitySchemes'] as const).flatMap((kind) =>
        Object.keys(document.components?.[kind] ?? {}).map((name) => `#/components/${kind}/${escapePointer(name)}`),
      ),
    ];
    const uncited = places.filter((place) => (place.startsWith('§') ? !cited.includes(place) : !isCited(place)));
    expect(uncited).toEqual([]);
  });
});

describe('azuma-conformance --rules', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const cli = (args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'conformance/cli.ts', ...args], { cwd: root }, (error, stdout) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout });
      });
    });

  it('when run without a server, then it lists every rule with the checks that prove it or why none can', async () => {
    const { code, out } = await cli(['--rules']);
    expect(code).toBe(0);
    for (const rule of rules) expect(out).toContain(`${rule.id}: `);
    expect(out).toMatch(
      /^---- AUTH-3: When the cookie and the header both carry live tokens, the cookie's wins\.\n +← auth\.cookie-wins$/m,
    );
    expect(out).toMatch(/^N\/A {2}AUTH-9: .*\n +← untestable over HTTP: How a server stores tokens/m);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^${rules.length} rules: \\d+ not run, \\d+ untestable over HTTP$`));
  });

  it('when run against a server, then each check line names its rules and the table gives each rule its checks’ outcome', async () => {
    const server = await startServer();
    try {
      const { code, out } = await cli(['--base-url', server.url, '--only', 'auth.cookie-wins,api.version', '--rules']);
      expect(code).toBe(0);
      expect(out).toMatch(/^PASS auth\.cookie-wins \[AUTH-3\]: /m);
      expect(out).toMatch(/^PASS AUTH-3: .*\n +← auth\.cookie-wins PASS$/m);
      expect(out).toMatch(/^PASS API-1: .*\n +← api\.version PASS$/m);
      expect(out).toMatch(/^---- AUTH-1: /m);
    } finally {
      await server.close();
    }
  });
});
