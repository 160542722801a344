// The README and the guides in docs/ link into each other by file and heading: a page renamed or a
// heading reworded would leave a link that leads nowhere, and nothing else would notice.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pages = [
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name)),
];

/** The page's prose: fenced blocks and inline code hold examples, not links. */
function prose(page: string): string[] {
  let fenced = false;
  return readFileSync(page, 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.startsWith('```')) fenced = !fenced;
      return !fenced && !line.startsWith('```');
    })
    .map((line) => line.replace(/`[^`]*`/g, ''));
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(page: string): Set<string> {
  const seen = new Map<string, number>();
  const slugs = new Set<string>();
  for (const line of prose(page)) {
    const heading = /^#{1,6} (.*)$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replaceAll(' ', '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    slugs.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return slugs;
}

/** Every link of the page that leads nowhere: a file that does not exist, or a heading its page lacks. */
function brokenLinks(page: string): string[] {
  const targets = prose(page).flatMap((line) => [...line.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? ''));
  return targets
    .filter((target) => !/^[a-z]+:/.test(target))
    .filter((target) => {
      const [path = '', anchor] = target.split('#');
      const file = path === '' ? page : resolve(dirname(page), path);
      return !existsSync(file) || (anchor !== undefined && !anchors(file).has(anchor));
    })
    .map((target) => `${relative(root, page)}: ${target}`);
}

describe('the README and the guides in docs/', () => {
  it('when they link to a file or a heading, then it exists', () => {
    expect(pages.flatMap(brokenLinks)).toEqual([]);
  });
});
