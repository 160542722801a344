// Rewrites every relative import that reaches the contract module (contract/*.js) or the types and
// facts generated from the contract (generated/*.js, now contract/generated/*.js) into the
// @azuma/contract package specifier, whatever the importing file's depth, then lets Biome re-sort
// the imports it touched. Re-runnable: a second run finds nothing to rewrite.
//   node scripts/codemods/contract-package.mjs
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The package itself imports its own modules relatively; the rest is not source. */
const SKIP = new Set(['contract', 'node_modules', 'dist', 'releases', '.git']);
const SOURCE = /\.(ts|mts|js|mjs)$/;
/** `from '…'`, `import '…'` and `import('…')` with a relative specifier. */
const IMPORT = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?\/[^'"]+)\2/g;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.isFile() && SOURCE.test(entry.name)) yield path;
  }
}

/** The package specifier for a repository path, or undefined when it is not the contract's. */
function specifierFor(target) {
  const path = target.split(sep).join('/');
  const generated = /^(?:contract\/)?generated\/(.+)\.js$/.exec(path);
  if (generated) return `@azuma/contract/generated/${generated[1]}`;
  const module = /^contract\/([^/]+)\.js$/.exec(path);
  if (module) return module[1] === 'index' ? '@azuma/contract' : `@azuma/contract/${module[1]}`;
  return undefined;
}

const changed = [];
for (const file of sources(root)) {
  const text = readFileSync(file, 'utf8');
  const rewritten = text.replace(IMPORT, (whole, keyword, quote, specifier) => {
    const target = specifierFor(relative(root, resolve(dirname(file), specifier)));
    return target ? `${keyword}${quote}${target}${quote}` : whole;
  });
  if (rewritten === text) continue;
  writeFileSync(file, rewritten);
  changed.push(relative(root, file));
}

console.log(changed.length ? `rewrote imports in:\n  ${changed.join('\n  ')}` : 'nothing to rewrite');
if (changed.length)
  execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['check', '--write', ...changed], { cwd: root, stdio: 'inherit' });
