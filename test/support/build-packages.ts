// Vitest's global setup: builds every package once, before any suite runs, so the suites that use
// what the packages ship (the installed-products test, the bin checks) never race a build that
// empties dist/ under them.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function buildPackages(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'inherit' });
}
