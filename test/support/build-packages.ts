// The global setup of the tests of test/packages/ (vitest.config.ts): builds every package once,
// before any test runs, so the tests that use what the packages ship (dist/, bins, tarballs) never
// race a build that empties dist/ under them.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildPackages(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'inherit' });
}
