// The typed client in a browser, in a web app served from another origin than the API: CORS,
// both auth modes, and token rotation, as a real Chromium enforces them.

import { ERROR_MESSAGES, SESSION_COOKIE } from '@azuma/contract/generated/contract-facts';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled, launchChromium } from '../../tools/chromium.js';
import { api as typedApi } from '../support/api.js';
import { type RunningServer, startServer } from '../support/server.js';
import { type AppOrigin, type AppWindow, serveAppOrigin } from './app-origin.js';

const password = 'correct horse battery';
let names = 0;
const newName = (mode: string) => `web_${mode}_${++names}_${Date.now().toString(36)}`;

describe.runIf(browserTestsEnabled())('the typed client in a page on another origin', () => {
  let app: AppOrigin;
  let stranger: AppOrigin;
  let api: RunningServer;
  let browser: Browser;
  /** The usual setup: app and API on one host, different ports — cross-origin, same-site. */
  let sameSite: string;
  /** The API on 127.0.0.1, the app on localhost: two different sites. */
  let crossSite: string;

  beforeAll(async () => {
    app = await serveAppOrigin();
    stranger = await serveAppOrigin();
    sameSite = `http://127.0.0.1:${app.port}`;
    crossSite = `http://localhost:${app.port}`;
    // A TTL under 7 days: every authenticated request rotates the token.
    api = await startServer({ corsOrigins: [sameSite, crossSite], sessionTtlSeconds: 3600 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await app?.close();
    await stranger?.close();
  });

  /** A fresh browser profile (no cookies) with the app open at `origin`. */
  async function openApp(origin: string): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => 'azuma' in window);
    return page;
  }

  async function sessionCookie(page: Page): Promise<string | undefined> {
    const cookies = await page.context().cookies(api.url);
    return cookies.find((cookie) => cookie.name === SESSION_COOKIE)?.value;
  }

  it('when the app uses header auth, then it signs in through CORS and follows every rotation', async () => {
    const page = await openApp(sameSite);
    const name = newName('header');
    const seen = await page.evaluate(
      async ({ baseUrl, name, password }) => {
        const azuma = (window as unknown as AppWindow).azuma.createAzumaClient({ baseUrl });
        const session = await azuma.register({ name, password });
        const tokens = [azuma.token];
        const users = [];
        for (let i = 0; i < 2; i++) {
          users.push((await azuma.me()).name);
          tokens.push(azuma.token);
        }
        return { issued: session.token, tokens, users };
      },
      { baseUrl: api.url, name, password },
    );

    expect(seen.users).toEqual([name, name]);
    expect(seen.tokens[0]).toBe(seen.issued);
    // Each answer carried a successor in the exposed Azuma-Session header, and the client took it.
    expect(new Set(seen.tokens).size).toBe(3);
    const latest = await typedApi(api.url).get('/api/me', { token: seen.tokens[2]! });
    expect(latest.status).toBe(200);
  });

  it('when the app uses cookie auth, then the browser keeps the cookie, sends it and follows its rotation', async () => {
    const page = await openApp(sameSite);
    const name = newName('cookie');
    const script = await page.evaluate(
      async ({ baseUrl, name, password }) => {
        const web = (window as unknown as AppWindow).azuma.createAzumaClient({ baseUrl, auth: 'cookie' });
        await web.register({ name, password });
        return { token: web.token, cookie: document.cookie };
      },
      { baseUrl: api.url, name, password },
    );
    // HttpOnly: the token lives in the browser's cookie jar, out of reach of the app's scripts.
    expect(script.token).toBeUndefined();
    expect(script.cookie).not.toContain(SESSION_COOKIE);

    const cookies = [await sessionCookie(page)];
    for (let i = 0; i < 2; i++) {
      const user = await page.evaluate(async (baseUrl) => {
        const web = (window as unknown as AppWindow).azuma.createAzumaClient({ baseUrl, auth: 'cookie' });
        return (await web.me()).name;
      }, api.url);
      expect(user).toBe(name);
      cookies.push(await sessionCookie(page));
    }
    expect(cookies.every((cookie) => /^[A-Za-z0-9]{64}$/.test(cookie ?? ''))).toBe(true);
    expect(new Set(cookies).size).toBe(3);
  });

  it('when the app is on another site, then cookie auth cannot work there but header auth does', async () => {
    const page = await openApp(crossSite);
    const outcome = await page.evaluate(
      async ({ baseUrl, names, password }) => {
        const { createAzumaClient, AzumaError } = (window as unknown as AppWindow).azuma;
        const web = createAzumaClient({ baseUrl, auth: 'cookie' });
        await web.register({ name: names[0]!, password });
        // SameSite=Lax: the browser neither stores nor sends the cookie on cross-site requests.
        const cookie = await web.me().then(
          (user) => user.name,
          (error: unknown) => (error instanceof AzumaError ? error.message : String(error)),
        );
        const azuma = createAzumaClient({ baseUrl });
        await azuma.register({ name: names[1]!, password });
        const header = (await azuma.me()).name;
        return { cookie, header };
      },
      { baseUrl: api.url, names: [newName('cookie'), newName('header')], password },
    );
    expect(outcome.cookie).toBe(ERROR_MESSAGES[401]);
    expect(outcome.header).toMatch(/^web_header_/);
  });

  it('when the app origin is not in AZUMA_CORS_ORIGINS, then the browser withholds every answer', async () => {
    const page = await openApp(`http://127.0.0.1:${stranger.port}`);
    const outcome = await page.evaluate(async (baseUrl) => {
      const { createAzumaClient, AzumaNetworkError } = (window as unknown as AppWindow).azuma;
      return createAzumaClient({ baseUrl })
        .version()
        .then(
          (version) => `answered ${version.version}`,
          (error: unknown) => (error instanceof AzumaNetworkError ? 'network error' : String(error)),
        );
    }, api.url);
    expect(outcome).toBe('network error');
  });
});
