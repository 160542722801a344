// Launches Debian's Chromium (`apt-get install chromium`, which .ci/run does when it is missing)
// through playwright-core, so neither the browser tests nor the diagram (scripts/diagram.ts) need a
// browser download from npm.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser suites run. Without Chromium they are skipped on a developer's machine, with
 * a message saying how to get it; in CI (CI=true) they run anyway and fail, so a missing browser
 * can never turn the browser tests into silent passes.
 */
export function browserTestsEnabled(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.CI) return true;
  console.warn(
    `Skipping the browser tests: no Chromium at ${chromiumPath}. ` +
      'Install it with `sudo apt-get install chromium` (.ci/run does this on its own).',
  );
  return false;
}

/** A fresh headless Chromium; playwright gives it a throw-away profile (--user-data-dir). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install it with \`apt-get install chromium\` (.ci/run does)`);
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: flags });
}
