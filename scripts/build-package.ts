// `npm run build` of a package (run in its folder): a clean dist/ from its tsconfig, plus the
// package's files its code reads at run time, copied to the same place relative to the code
// (`tsx ../scripts/build-package.ts docs/index.html`). A file the sources find beside them (a link
// to the repository's original) is found beside the built code too, and nothing stale is left over.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = process.cwd();
const dist = join(pkgDir, 'dist');
const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  bin?: Record<string, string>;
  bundleDependencies?: string[];
};

// npm pack leaves out a bundled dependency that the workspace hoisted to the root's node_modules
// (npm/cli#3466); linked into the package's own node_modules, it is packed as built.
for (const name of manifest.bundleDependencies ?? []) {
  const link = join(pkgDir, 'node_modules', name);
  rmSync(link, { force: true, recursive: true });
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), realpathSync(join(root, 'node_modules', name))), link, 'dir');
}

rmSync(dist, { recursive: true, force: true });
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(pkgDir, 'tsconfig.json')], { stdio: 'inherit' });
for (const asset of process.argv.slice(2)) {
  const target = join(dist, asset);
  mkdirSync(dirname(target), { recursive: true });
  // A link to the repository's original is copied as the file it points to.
  copyFileSync(join(pkgDir, asset), target);
}
for (const file of Object.values(manifest.bin ?? {})) chmodSync(join(pkgDir, file), 0o755);
