// The rendered reference as a reader meets it: served by the server at GET /docs, opened in a
// real browser on a machine with no internet.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadContract } from '@azuma/contract';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled, launchChromium } from '../../tools/chromium.js';
import { type RunningServer, startServer } from '../support/server.js';

const results = new URL('../../test-results/', import.meta.url);
const contract = loadContract();

describe.runIf(browserTestsEnabled())('GET /docs in Chromium, offline', () => {
  let server: RunningServer;
  let docsUrl: string;
  let browser: Browser;
  let context: BrowserContext;
  /** Requests a page tried to make off this machine; all of them were refused. */
  const blocked: { url: string; type: string }[] = [];
  /** Uncaught exceptions in any page: Redoc failing to start (under the CSP, say) shows here. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    docsUrl = `${server.url}/docs`;

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // No internet: whatever a page asks of another host fails, as on an offline machine.
    await context.route('**/*', (route) => {
      const request = route.request();
      if (new URL(request.url()).hostname === '127.0.0.1') return route.continue();
      blocked.push({ url: request.url(), type: request.resourceType() });
      return route.abort('internetdisconnected');
    });
    mkdirSync(results, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function openDocs(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(docsUrl);
    return page;
  }

  /** Follows a link of the sidebar, as a reader does; Redoc shows one tag's operations at a time. */
  async function follow(page: Page, name: string | RegExp): Promise<void> {
    await page.getByRole('link', typeof name === 'string' ? { name, exact: true } : { name }).click();
  }

  const visible = (page: Page, text: string) => expect.poll(() => page.getByText(text).first().isVisible());

  it('when opened, then the overview explains both auth schemes, token refresh and every error', async () => {
    const page = await openDocs();
    for (const section of ['Authentication', 'Token refresh', 'Errors', 'Accounts']) {
      await expect.poll(() => page.getByRole('heading', { name: section }).isVisible()).toBe(true);
    }
    await visible(page, 'Check every response for the').toBe(true);
    const table = page.locator('table', { hasText: contract.errors.get(429)! }).first();
    await expect.poll(() => table.isVisible()).toBe(true);
    const rows = await table.locator('tbody tr').evaluateAll((trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll('td')]
          .slice(0, 2)
          .map((td) => td.textContent)
          .join(' '),
      ),
    );
    expect(rows).toEqual([
      '400 BAD_REQUEST',
      '401 UNAUTHORIZED',
      '404 NOT_FOUND',
      '409 ALREADY_EXISTS',
      '413 PAYLOAD_TOO_LARGE',
      '415 UNSUPPORTED_MEDIA_TYPE',
      '429 TOO_MANY_REQUESTS',
      '500 INTERNAL_SERVER_ERROR',
      '503 SERVICE_UNAVAILABLE',
    ]);
    await page.screenshot({ path: fileURLToPath(new URL('docs.png', results)), fullPage: true });
  });

  it('when the reader reaches Session lifecycle, then a picture shows the life of a session', async () => {
    const page = await openDocs();
    await follow(page, 'Session lifecycle');
    const section = page.locator('[data-section-id="/section/session-lifecycle"]');
    await expect.poll(() => section.getByRole('heading', { name: 'Session lifecycle' }).isVisible()).toBe(true);
    const diagram = section.getByRole('img', { name: 'The life of a session' });
    await diagram.scrollIntoViewIfNeeded();
    await expect.poll(() => diagram.isVisible()).toBe(true);
    // Decoded, not a broken-image icon: the CSP admitted the data: URI and the SVG parsed.
    const size = () => diagram.evaluate((img: HTMLImageElement) => ({ natural: img.naturalWidth, shown: img.clientWidth }));
    await expect.poll(async () => (await size()).natural).toBeGreaterThan(0);
    // The one-column layout has room for it at (nearly) its own size, so its text stays legible.
    const { natural, shown } = await size();
    expect(shown).toBeGreaterThanOrEqual(0.8 * natural);
    await section.screenshot({ path: fileURLToPath(new URL('docs-session-life.png', results)) });
  });

  it('when the reader reaches Conformance rules, then every rule of the contract is listed with its id', async () => {
    const page = await openDocs();
    await follow(page, 'Conformance rules');
    const section = page.locator('[data-section-id="/section/conformance-rules"]');
    await expect.poll(() => section.getByRole('heading', { name: 'Conformance rules' }).isVisible()).toBe(true);
    const ids = await section.locator('tbody tr td:first-child').allTextContents();
    expect(ids).toEqual(loadContract().rules.map((rule) => rule.id));
    await expect.poll(() => section.locator('tr', { hasText: 'AUTH-9' }).textContent()).toContain('Not observable over HTTP');
  });

  // Twelve operations, each navigated to and photographed: more than the default timeout on a busy machine.
  it('when the reader follows the sidebar, then every operation is shown with its summary', { timeout: 60_000 }, async () => {
    const page = await openDocs();
    // Every operation of the contract, as Redoc names it: `<tag>/<operationid>`.
    const operations = contract.operations.map(({ id: operationId, method, path }) => {
      const op = contract.at<{ tags: string[]; summary: string }>(`#/paths/${path.replace(/\//g, '~1')}/${method.toLowerCase()}`);
      return {
        tag: op.tags[0]!,
        summary: op.summary,
        id: `${op.tags[0]!.toLowerCase()}/${operationId.toLowerCase()}`,
        operationId,
        method,
      };
    });
    expect(operations).not.toHaveLength(0);
    for (const { tag, summary, id, operationId, method } of operations) {
      // Redoc renders the part of the reference around what the reader navigated to.
      await follow(page, tag);
      await follow(page, new RegExp(`^${summary} ${method.toLowerCase()}$`));
      const operation = page.locator(`[id="${id}"]`);
      await expect.poll(() => operation.getByRole('heading', { name: new RegExp(`${summary}$`) }).isVisible()).toBe(true);
      await operation.screenshot({ path: fileURLToPath(new URL(`docs-${operationId}.png`, results)) });
    }
  });

  it('when a secured operation is shown, then it names both schemes and explains each', async () => {
    const page = await openDocs();
    await follow(page, 'User');
    await follow(page, /^Get the current user/);
    const operation = page.locator('[id="user/getme"]');
    await expect.poll(() => operation.getByText('cookieAuth or headerAuth').isVisible()).toBe(true);
    await operation.getByText('View security details').click();
    await page.getByRole('tab', { name: 'cookieAuth' }).click();
    await expect.poll(() => page.getByText('Cookie parameter name:').locator('..').textContent()).toContain(contract.session.cookie);
    await page.getByRole('tab', { name: 'headerAuth' }).click();
    await expect.poll(() => page.getByText('Header parameter name:').locator('..').textContent()).toContain(contract.session.header);
    await visible(page, 'check every response for it').toBe(true);
  });

  it('when an operation is shown, then it offers a curl and a typed-client sample', async () => {
    const page = await openDocs();
    await follow(page, 'User');
    await follow(page, /^Get the current user/);
    const operation = page.locator('[id="user/getme"]');
    const sample = operation.getByTestId('right-panel').getByRole('code').first();
    await expect.poll(() => sample.textContent()).toContain('curl -i http://127.0.0.1:3000/api/me');
    await operation.getByRole('button', { name: 'curl', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Typed client' }).click();
    await expect.poll(() => sample.textContent()).toContain('const user = await azuma.me();');
  });

  it('when the reader searches, then the matching operation is found', async () => {
    // Search runs in a blob: worker, which the server's CSP for /docs must allow.
    const page = await openDocs();
    const found = page.getByText('Get the current user').filter({ visible: true });
    expect(await found.count()).toBe(0);
    await page.getByText('Search Ctrl+K').click();
    await page.keyboard.type('current user');
    await expect.poll(() => found.count()).toBeGreaterThan(0);
  });

  it('when offline, then it works whole: nothing, not even an image, is asked of another host, and no image is broken', async () => {
    const page = await context.newPage();
    // A request the server's CSP refuses never reaches the route above: the browser says so here.
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') refused.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(docsUrl);
    await follow(page, 'User');
    await follow(page, /^Get the current user/);
    await expect.poll(() => page.locator('[id="user/getme"]').isVisible()).toBe(true);
    // The footer's "API docs by Redocly" is where Redoc would fetch its logo from its CDN.
    await expect.poll(() => page.getByText('API docs by').first().isVisible()).toBe(true);
    expect(blocked).toEqual([]);
    expect(refused).toEqual([]);
    expect(pageErrors).toEqual([]);
    const images = await page
      .locator('img')
      .evaluateAll((imgs) =>
        (imgs as HTMLImageElement[]).map((img) => ({ src: img.src.slice(0, 40), decoded: img.complete && img.naturalWidth > 0 })),
      );
    expect(images.filter(({ src, decoded }) => !decoded || !src.startsWith('data:'))).toEqual([]);
  });
});
