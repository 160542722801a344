// `npm run build` of a package (run in its folder): a clean dist/ from its tsconfig, plus the
// package's files its code reads at run time, copied to the same place relative to the code
// (`tsx ../scripts/build-package.ts openapi.yaml docs/index.html`). A file the sources find beside
// them is found beside the built code too, and nothing stale from an earlier build is left over.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = process.cwd();
const dist = join(pkgDir, 'dist');

rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(pkgDir, 'tsconfig.json')], { stdio: 'inherit' });
for (const asset of process.argv.slice(2)) {
  const target = join(dist, asset);
  mkdirSync(dirname(target), { recursive: true });
  // A link to the repository's original is copied as the file it points to.
  copyFileSync(join(pkgDir, asset), target);
}
const { bin = {} } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
for (const file of Object.values(bin)) chmodSync(join(pkgDir, file), 0o755);
