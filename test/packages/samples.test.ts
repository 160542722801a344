// Every x-codeSamples entry of the contract runs as written against a fresh demo server: curl
// samples in bash, TypeScript samples type-checked against the built client and run in Chromium.
// A sample that drifts from the API fails here, named by its operation and label.

import { type CodeSample, codeSamples, loadContract } from '@azuma/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled } from '../../tools/chromium.js';
import { SAMPLE_ORIGIN, type SampleRunner, sampleRunner } from '../support/samples.js';

const contract = loadContract();
const samples = codeSamples(contract);
const shell = samples.filter((sample) => sample.lang === 'Shell');
const typescript = samples.filter((sample) => sample.lang === 'TypeScript');
const named = (sample: CodeSample) => `${sample.operation.id} / ${sample.label}`;

/** A copy of the operation's sample in `lang`, with `from` replaced by `to`: a sample that drifted. */
function drifted(operationId: string, lang: string, from: string, to: string): CodeSample {
  const sample = samples.find((s) => s.operation.id === operationId && s.lang === lang);
  if (!sample?.source.includes(from)) throw new Error(`the ${lang} sample of ${operationId} has no '${from}' to change`);
  return { ...sample, source: sample.source.replaceAll(from, to) };
}

let runner: SampleRunner;
beforeAll(() => {
  runner = sampleRunner();
});
afterAll(() => runner?.close());

describe('the samples of the contract', () => {
  it('when extracted, then every operation has a curl sample and a typed-client sample, each for the default origin', () => {
    for (const operation of contract.operations) {
      const langs = samples.filter((sample) => sample.operation === operation).map((sample) => sample.lang);
      expect(langs, operation.id).toEqual(expect.arrayContaining(['Shell', 'TypeScript']));
    }
    expect(samples.every((sample) => sample.source.includes(SAMPLE_ORIGIN))).toBe(true);
  });

  it.each(shell.map((sample) => [named(sample), sample] as const))(
    'when %s runs in bash, then every curl call succeeds',
    async (_, sample) => {
      await runner.run(sample);
    },
  );

  describe('typed-client samples', () => {
    let errors: Map<number, string[]>;
    beforeAll(async () => {
      errors = await runner.typecheck(typescript);
    });

    it.each(typescript.map((sample, index) => [named(sample), index] as const))(
      'when %s is type-checked against the built client, then tsc finds nothing',
      (name, index) => {
        expect(errors.get(index), name).toEqual([]);
      },
    );

    it.runIf(browserTestsEnabled()).each(typescript.map((sample) => [named(sample), sample] as const))(
      'when %s runs in a page at the server origin, then it completes without throwing',
      async (_, sample) => {
        await runner.run(sample);
      },
    );
  });
});

describe('a sample that drifted from the API', () => {
  it('when a curl sample sends a wrong password, then it fails with the 401 it got', async () => {
    const sample = drifted('loginUser', 'Shell', '"user1-secret"', '"user1"');
    await expect(runner.run(sample)).rejects.toThrow(/^loginUser \/ curl: exited with 22\n[\s\S]*401[\s\S]*UNAUTHORIZED/);
  });

  it('when a curl sample calls a path the API does not have, then it fails with the 404 it got', async () => {
    const sample = drifted('listSessions', 'Shell', '/api/me/sessions', '/api/sessions');
    await expect(runner.run(sample)).rejects.toThrow(/^listSessions \/ curl: exited with 22\n[\s\S]*404[\s\S]*NOT_FOUND/);
  });

  it('when a typed-client sample calls a method the client does not have, then tsc reports it', async () => {
    const sample = drifted('getMe', 'TypeScript', 'azuma.me()', 'azuma.currentUser()');
    const errors = await runner.typecheck([sample]);
    expect(errors.get(0)?.join('\n')).toMatch(/Property 'currentUser' does not exist/);
  });

  it.runIf(browserTestsEnabled())(
    'when a typed-client sample sends a wrong password, then it fails with what the client threw',
    async () => {
      const sample = drifted('changePassword', 'TypeScript', "currentPassword: 'user1-secret'", "currentPassword: 'user1'");
      await expect(runner.run(sample)).rejects.toThrow(/^changePassword \/ Typed client: threw AzumaError 401: UNAUTHORIZED/);
    },
  );
});
