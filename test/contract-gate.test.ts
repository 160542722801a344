// The breaking-change gate must really fail: real breaking changes, made in memory to release
// 1.0.0, are held against it with a minor and with a major version. And release 1.1.0 is held
// against 1.0.0 too: it must be additive.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, parseDocument } from '@azuma/contract';
import { describe, expect, it } from 'vitest';
import { checkContract, latestRelease, type Release } from '../scripts/contract-gate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const current = readFileSync(join(root, 'openapi.yaml'), 'utf8');
const release: Release = {
  file: 'releases/openapi-1.0.0.yaml',
  text: readFileSync(join(root, 'releases/openapi-1.0.0.yaml'), 'utf8'),
  version: '1.0.0',
};

type Schema = { required: string[]; properties: Record<string, unknown>; enum: string[] };
const schema = (document: Document, name: string) => document.components!.schemas![name] as unknown as Schema;

type Edit = (document: Document) => void;

/** Release 1.0.0 with `change` made and info.version set; JSON is YAML too. */
function edited(version: string, change: Edit = () => {}): string {
  const document = parseDocument(release.text);
  change(document);
  document.info.version = version;
  return JSON.stringify(document);
}

const gate = (text: string) => checkContract({ file: 'openapi.yaml', text }, release);

const breakingChanges: { story: string; change: Edit; named: RegExp }[] = [
  {
    story: 'an operation is removed (POST /api/login)',
    change: (d) => {
      delete d.paths!['/api/login'];
    },
    named: /^ {2}- #\/paths\/~1api~1login\/post: removed .*POST \/api\/login/m,
  },
  {
    story: 'a request gains a required property (RegisterRequest.email)',
    change: (d) => {
      const register = schema(d, 'RegisterRequest');
      register.properties.email = { type: 'string', format: 'email' };
      register.required.push('email');
    },
    named: /^ {2}- #\/components\/schemas\/RegisterRequest\/required\/\d+: added "email" .*in POST \/api\/register$/m,
  },
  {
    story: "a response enum is narrowed (ALREADY_EXISTS leaves Error.message's enum)",
    change: (d) => {
      const message = schema(d, 'Error').properties.message as Schema;
      message.enum = message.enum.filter((constant) => constant !== 'ALREADY_EXISTS');
    },
    named:
      /^ {2}- #\/components\/schemas\/Error\/properties\/message\/enum\/\d+: removed "ALREADY_EXISTS" .*POST \/api\/register \([^)]*409/m,
  },
];

describe('when release 1.1.0 is held against release 1.0.0', () => {
  it('then every change is additive and the gate passes', () => {
    const result = gate(readFileSync(join(root, 'releases/openapi-1.1.0.yaml'), 'utf8'));
    expect(result.report).toContain('✔ 1.1.0 is greater than 1.0.0, and no change breaks a client');
    expect(result.report).toMatch(/#\/paths\/~1api~1logout\/post: added/);
    expect(result.ok).toBe(true);
  });
});

describe('when openapi.yaml is unchanged since its release', () => {
  it('then the gate passes', () => {
    const result = checkContract({ file: 'openapi.yaml', text: current }, latestRelease());
    expect(result.report).toContain('✔');
    expect(result.ok).toBe(true);
  });
});

for (const { story, change, named } of breakingChanges) {
  describe(`when ${story}`, () => {
    it('with version 1.1.0, then the gate fails naming the change', () => {
      const result = gate(edited('1.1.0', change));
      expect(result.ok).toBe(false);
      expect(result.report).toMatch(/✘ \d+ breaking changes? needs? a major version \(2\.0\.0\); info\.version is 1\.1\.0:/);
      expect(result.report).toMatch(named);
    });

    it('with version 2.0.0, then the gate passes', () => {
      const result = gate(edited('2.0.0', change));
      expect(result.problems).toEqual([]);
      expect(result.breaking.length).toBeGreaterThan(0);
    });
  });
}

describe('when several breaking changes come at once with version 1.1.0', () => {
  it('then the gate names each on its own line', () => {
    const result = gate(
      edited('1.1.0', (d) => {
        for (const { change } of breakingChanges) change(d);
      }),
    );
    expect(result.ok).toBe(false);
    for (const { named } of breakingChanges) expect(result.report).toMatch(named);
  });
});

describe('when the change is additive (an optional response property, a new operation)', () => {
  const additive = (d: Document) => {
    schema(d, 'User').properties.bio = { type: ['string', 'null'], description: 'A line about the user.' };
    d.paths!['/api/logout'] = {
      post: { operationId: 'logoutUser', security: [{ cookieAuth: [] }], responses: { '204': { description: 'Signed out.' } } },
    };
  };

  it('with version 1.1.0, then the gate passes and lists the changes', () => {
    const result = gate(edited('1.1.0', additive));
    expect(result.problems).toEqual([]);
    expect(result.breaking).toEqual([]);
    expect(result.report).toMatch(/^2 non-breaking changes:$/m);
    expect(result.report).toMatch(/^ {2}- #\/components\/schemas\/User\/properties\/bio: added .*in GET \/api\/me \(200\)$/m);
    expect(result.report).toMatch(/^ {2}- #\/paths\/~1api~1logout\/post: added /m);
  });

  it('with the version left at 1.0.0, then the gate fails asking for a bump', () => {
    const result = gate(edited('1.0.0', additive));
    expect(result.ok).toBe(false);
    expect(result.report).toContain('✘ openapi.yaml differs from release 1.0.0 but info.version is still 1.0.0: bump it (1.1.0');
  });
});

describe('when anything changes and the version stays 1.0.0', () => {
  const changes: [string, Edit][] = [
    [
      'a summary is reworded',
      (d) => {
        d.info.summary = 'Accounts, sessions and more.';
      },
    ],
    ...breakingChanges.map(({ story, change }): [string, Edit] => [story, change]),
  ];
  it.each(changes)('%s, then the gate fails', (_, change) => {
    expect(gate(edited('1.0.0', change)).ok).toBe(false);
  });
});

// The rules the gate adds to api-smart-diff's classification (see `judge` in the gate).
describe('when the change is one the library alone judges wrongly', () => {
  it('a first, required query parameter, then it is breaking', () => {
    const result = gate(
      edited('1.1.0', (d) => {
        d.paths!['/api/me']!.get!.parameters = [{ name: 'fields', in: 'query', required: true, schema: { type: 'string' } }];
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/^ {2}- #\/paths\/~1api~1me\/get\/parameters: added .* in GET \/api\/me$/m);
  });

  it('a removed security scheme, then it is breaking', () => {
    const result = gate(
      edited('1.1.0', (d) => {
        delete d.components!.securitySchemes!.headerAuth;
        d.paths!['/api/me']!.get!.security = [{ cookieAuth: [] }];
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/^ {2}- #\/components\/securitySchemes\/headerAuth: removed /m);
  });

  it('a response that gains a required property (the server promises more), then it is not breaking', () => {
    const result = gate(
      edited('1.1.0', (d) => {
        const user = schema(d, 'User');
        user.properties.bio = { type: 'string' };
        user.required.push('bio');
      }),
    );
    expect(result.problems).toEqual([]);
  });

  // Session reaches register and login through a shared response (components/responses), which
  // the library alone judges by the request rules.
  it('a response behind a shared response narrows its pattern (the server promises more), then it is not breaking', () => {
    const result = gate(
      edited('1.1.0', (d) => {
        const expiration = schema(d, 'Session').properties.expiration as { pattern: string };
        expiration.pattern = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$';
      }),
    );
    expect(result.problems).toEqual([]);
    expect(result.report).toMatch(
      /^ {2}- #\/components\/schemas\/Session\/properties\/expiration\/pattern: changed .* in POST \/api\/register \(200\)/m,
    );
  });

  it('a response behind a shared response drops a required property, then it is breaking', () => {
    const result = gate(
      edited('1.1.0', (d) => {
        const session = schema(d, 'Session');
        session.required = session.required.filter((name) => name !== 'expiration');
      }),
    );
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(
      /^ {2}- #\/components\/schemas\/Session\/required\/\d+: removed "expiration" .*in POST \/api\/register \(200\)/m,
    );
  });
});

describe('when a request pattern changes (UserName, sent on register)', () => {
  const withPattern = (pattern: string) =>
    gate(
      edited('1.1.0', (d) => {
        (d.components!.schemas!.UserName as { pattern: string }).pattern = pattern;
      }),
    );

  it('to a character class that admits more, then it is not breaking', () => {
    expect(withPattern('^[\\p{L}\\p{M}\\p{Nd}_.-]+$').problems).toEqual([]);
  });

  it.each([
    ['a class that drops an item', '^[\\p{L}_.-]+$'],
    ['a class that swaps an item', '^[\\p{L}\\p{Nd}_.+]+$'],
    ['a pattern of another shape', '^[\\p{L}\\p{Nd}_.-]{3,}$'],
  ])('to %s, then it is breaking', (_, pattern) => {
    const result = withPattern(pattern);
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/^ {2}- #\/components\/schemas\/UserName\/pattern: changed .* in POST \/api\/register$/m);
  });
});

describe('when the rules list changes', () => {
  const rulesRelease: Release = { file: 'releases/openapi-1.2.0.yaml', text: current, version: parseDocument(current).info.version };
  const withRules = (change: (rules: { id: string }[]) => void) => {
    const document = parseDocument(current) as Document & { 'x-rules': { id: string }[] };
    change(document['x-rules']);
    document.info.version = '1.99.0';
    return checkContract({ file: 'openapi.yaml', text: JSON.stringify(document) }, rulesRelease);
  };

  it('a rule is added, then it is not breaking', () => {
    expect(withRules((rules) => rules.push({ ...rules[0]!, id: 'NEW-1' })).problems).toEqual([]);
  });

  it('a rule is dropped, then it is breaking', () => {
    const result = withRules((rules) => rules.splice(0, 1));
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/^ {2}- #\/x-rules\/0\/id: changed "WIRE-1" → "WIRE-2"/m);
  });
});

describe('when releases/ holds several versions', () => {
  it('then the gate compares with the highest, by semver', () => {
    const dir = mkdtempSync(join(tmpdir(), 'azuma-releases-'));
    try {
      for (const version of ['1.0.0', '1.9.0', '1.10.0']) writeFileSync(join(dir, `openapi-${version}.yaml`), edited(version));
      writeFileSync(join(dir, 'README.md'), 'not a release');
      expect(latestRelease(dir).version).toBe('1.10.0');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('when the CLI runs on the repository as it is', () => {
  it('then it exits 0', () => {
    // execFileSync throws on a non-zero exit, with the report in its stderr.
    const out = execFileSync(join(root, 'node_modules/.bin/tsx'), ['scripts/contract-gate.ts'], { cwd: root, encoding: 'utf8' });
    expect(out).toMatch(/^contract gate: openapi\.yaml \(\S+\) against releases\/openapi-\S+\.yaml\n✔/);
  });
});

describe('when a Set-Cookie response header of release 1.3.0 changes its schema', () => {
  const release130: Release = {
    file: 'releases/openapi-1.3.0.yaml',
    text: readFileSync(join(root, 'releases/openapi-1.3.0.yaml'), 'utf8'),
    version: '1.3.0',
  };
  /** 1.3.0 at 1.3.1, with the successor cookie of DELETE /api/me/sessions/{id} given `schema`. */
  const endSessionCookie = (schema: unknown) => {
    const document = parseDocument(release130.text);
    const headers = document.components!.headers as Record<string, { schema: unknown }>;
    headers.EndSessionSetCookie = { ...headers.RefreshSetCookie!, schema };
    const noContent = (document.paths!['/api/me/sessions/{id}']!.delete!.responses as Record<string, { headers: Record<string, unknown> }>)[
      '204'
    ]!;
    noContent.headers['Set-Cookie'] = { $ref: '#/components/headers/EndSessionSetCookie' };
    document.info.version = '1.3.1';
    return checkContract({ file: 'openapi.yaml', text: JSON.stringify(document) }, release130);
  };

  it('to the session cookie or the cleared one (the session may end itself), then it is not breaking', () => {
    const result = endSessionCookie({
      oneOf: [{ $ref: '#/components/schemas/SessionCookie' }, { $ref: '#/components/schemas/ClearedSessionCookie' }],
    });
    expect(result.problems).toEqual([]);
  });

  it('to the session cookie or any string, then it is breaking', () => {
    const result = endSessionCookie({ oneOf: [{ $ref: '#/components/schemas/SessionCookie' }, { type: 'string' }] });
    expect(result.ok).toBe(false);
    expect(result.report).toMatch(/EndSessionSetCookie\/schema\/oneOf: added .* in DELETE \/api\/me\/sessions\/\{id\} \(204\)/);
  });
});
