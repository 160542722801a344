// The contract's `x-rules` as a Markdown section for the rendered docs: Redoc shows no vendor
// extension, so the docs build appends this to info.description of the copy it renders.
import type { ContractRule } from '@azuma/contract';

const cell = (text: string) => text.replace(/\s+/g, ' ').replaceAll('|', '\\|').trim();

/** `§Heading` as the heading, a pointer as its last name (`Token`, `post /api/login`). */
function place(where: string): string {
  if (where.startsWith('§')) return where.slice(1);
  const keys = where
    .slice(2)
    .split('/')
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (keys[0] === 'paths' && keys.length === 3) return `\`${keys[2]!.toUpperCase()} ${keys[1]}\``;
  return `\`${keys.at(-1)}\``;
}

export function rulesSection(rules: readonly ContractRule[]): string {
  const rows = rules.map((rule) => {
    const statement = rule.untestable ? `${cell(rule.rule)} *Not observable over HTTP: ${cell(rule.untestable)}*` : cell(rule.rule);
    return `| <span id="rule-${rule.id}">${rule.id}</span> | ${statement} | ${rule.where.map(place).join(', ')} |`;
  });
  return [
    '',
    '# Conformance rules',
    '',
    'Every normative statement of this document, once, with a stable id (the `x-rules` list of',
    'openapi.yaml). Each check of the conformance suite names the rules it proves, and',
    '`azuma-conformance --rules` prints every rule with its checks and their outcome against a',
    'server. A rule no client can observe says why.',
    '',
    '| id | rule | stated in |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
