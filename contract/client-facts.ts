// The facts the client needs at run time, written out as a module of constants
// (contract/generated/contract-facts.ts): a browser bundle cannot read openapi.yaml, and an app must not
// pay for a YAML parser to learn two names.
import type { LoadedContract } from './index.js';

export function renderClientFacts(contract: LoadedContract): string {
  const constant = (name: string, doc: string, value: unknown, suffix = '') =>
    `/** ${doc} */\nexport const ${name} = ${JSON.stringify(value, null, 2)}${suffix};\n`;
  return [
    `// Generated from openapi.yaml by scripts/artifacts.ts through contract/client-facts.ts; never edit.\n`,
    constant('CONTRACT_VERSION', "The contract's info.version.", contract.version),
    constant('SESSION_COOKIE', 'The cookie of the cookie security scheme.', contract.session.cookie),
    constant('SESSION_HEADER', 'The header of the header security scheme, request and response.', contract.session.header),
    constant(
      'ISSUING_OPERATIONS',
      '`METHOD path` of the operations whose success issues a new session.',
      contract.session.issuingOperations,
      ' as const',
    ),
    constant('ERROR_MESSAGES', 'Every error constant the contract pins, by status.', Object.fromEntries(contract.errors), ' as const'),
  ].join('\n');
}
