// The conformance suite's fuzz generators: derived from the contract's request schemas, each kind
// of invalid body breaks exactly the rule it claims to, and valid bodies cover the name alphabet.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutations, validBody } from '../conformance/arbitraries.js';
import { compileContract } from '../conformance/contract.js';

const contract = compileContract();
const withBodies = contract.operations.filter((op) => op.requestSchema && op.requestValidator);

/** The JSON Schema keyword a mutation is meant to break, read from its description. */
function keywordFor(why: string): string {
  if (why.includes('not an object') || why.includes('wrong type')) return 'type';
  if (why.includes('missing')) return 'required';
  if (why.includes('undocumented property')) return 'additionalProperties';
  if (why.includes('longer than')) return 'maxLength';
  if (why.includes('shorter than') || why.endsWith('is empty')) return 'minLength';
  if (why.includes('pattern')) return 'pattern';
  throw new Error(`no keyword known for mutation "${why}"`);
}

describe('conformance fuzz generators', () => {
  it('when request schemas are read, then every body of the contract gets generators', () => {
    expect(withBodies.map((op) => op.id).sort()).toEqual(['changePassword', 'loginUser', 'registerUser', 'updateMe']);
  });

  for (const op of withBodies) {
    it(`when ${op.id} bodies are mutated, then each body breaks the very rule its mutation names`, () => {
      const kinds = mutations(contract, op.requestSchema!, op.requestValidator!);
      expect(kinds.length).toBeGreaterThanOrEqual(7);
      for (const [index, { why, arbitrary }] of kinds.entries()) {
        for (const body of fc.sample(arbitrary, { seed: 42 + index, numRuns: 25 })) {
          expect(op.requestValidator!(body), `${why}: ${JSON.stringify(body)}`).toBe(false);
          const keywords = (op.requestValidator!.errors ?? []).map((e) => e.keyword);
          expect(keywords, `${why}: ${JSON.stringify(body)}`).toContain(keywordFor(why));
        }
      }
    });
  }

  it('when valid register bodies are generated, then names use letters beyond ASCII, digits and _ . - within 1–32 characters', () => {
    const op = withBodies.find((o) => o.id === 'registerUser')!;
    const names = fc
      .sample(validBody(contract, op.requestSchema!, op.requestValidator!), { seed: 7, numRuns: 300 })
      .map((body) => (body as { name: string }).name);
    const joined = names.join('');
    expect([...joined].some((c) => c.codePointAt(0)! > 0x7f)).toBe(true);
    expect(joined).toMatch(/[0-9]/);
    expect(joined).toMatch(/[_.-]/);
    for (const name of names) expect([...name].length).toBeGreaterThanOrEqual(1);
    for (const name of names) expect([...name].length).toBeLessThanOrEqual(32);
  });
});
