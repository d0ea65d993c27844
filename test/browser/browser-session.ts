import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import {
  startDashboardServer,
  type DashboardServer,
  type DashboardServerOptions,
} from './dashboard-server';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(__dirname, '..', 'artifacts');

/** Headless Chromium with a fresh profile, quiet: no network of its own, no updates. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install the Debian package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const screenshotPath = (name: string): string => join(ARTIFACTS, `${name}.png`);

/**
 * A new context and page at the size the screenshots are taken at; whatever the page
 * throws or logs as an error is pushed to `errors` (each suite expects it to stay empty).
 * Refused requests (HTTP 4xx) are logged by the browser itself and handled by the page,
 * so they do not count.
 */
export async function openBrowserPage(
  browser: Browser,
  errors: string[],
  options: { acceptDownloads?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    acceptDownloads: options.acceptDownloads ?? false,
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(message.text());
    }
  });
  return { context, page };
}

/** Waits until an element matching `selector` contains `text`. */
export async function waitForTextOn(
  page: Page,
  selector: string,
  text: string,
  timeout = 30000,
): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout });
}

/** An attribute of every element matching `selector`, in page order. */
export async function attributesOn(
  page: Page,
  selector: string,
  name: string,
): Promise<(string | null)[]> {
  return Promise.all((await page.locator(selector).all()).map((e) => e.getAttribute(name)));
}

/** The whole page, or one part of it (`selector`), as a PNG under test/artifacts. */
export async function screenshotOf(page: Page, name: string, selector?: string): Promise<void> {
  if (selector === undefined) await page.screenshot({ path: screenshotPath(name), fullPage: true });
  else await page.locator(selector).screenshot({ path: screenshotPath(name) });
}

/**
 * A browser suite's dashboard server and Chromium, started before its tests and closed
 * after them, with its current page and what that page threw or logged as an error
 * (`pageErrors`, which each suite expects to stay empty).
 */
export class DashboardSession {
  server!: DashboardServer;
  browser!: Browser;
  context?: BrowserContext;
  page!: Page;
  readonly pageErrors: string[] = [];

  /** Registers the suite's beforeAll (server and Chromium side by side) and afterAll. */
  static forSuite(options: DashboardServerOptions = {}): DashboardSession {
    const session = new DashboardSession();
    beforeAll(async () => {
      [session.server, session.browser] = await Promise.all([
        startDashboardServer(options),
        launchChromium(),
      ]);
    }, 300000);
    afterAll(async () => {
      await session.context?.close();
      await session.browser?.close();
      await session.server?.close();
    });
    return session;
  }

  /** A fresh context and page (the previous context closed). */
  async openPage(options: { acceptDownloads?: boolean } = {}): Promise<Page> {
    await this.context?.close();
    const opened = await openBrowserPage(this.browser, this.pageErrors, options);
    this.context = opened.context;
    this.page = opened.page;
    return this.page;
  }

  /** A fresh page on the dashboard signed in with `token`, once it shows who is signed in. */
  async openAs(token: string, options: { acceptDownloads?: boolean } = {}): Promise<Page> {
    const page = await this.openPage(options);
    await page.goto(`${this.server.dashboardUrl}#token=${token}`);
    await page.locator('#who-role').filter({ hasText: /\S/ }).waitFor({ timeout: 30000 });
    return page;
  }

  /** Same-document navigation, as a click on an in-page link does. */
  async goToView(hash: string): Promise<void> {
    await this.page.goto(`${this.server.dashboardUrl}${hash}`);
  }

  waitForText(selector: string, text: string, timeout?: number): Promise<void> {
    return waitForTextOn(this.page, selector, text, timeout);
  }

  attributes(selector: string, name: string): Promise<(string | null)[]> {
    return attributesOn(this.page, selector, name);
  }

  shoot(name: string, selector?: string): Promise<void> {
    return screenshotOf(this.page, name, selector);
  }

  /** The number an element shows (thousands separators dropped). */
  async numberIn(selector: string): Promise<number> {
    return Number((await this.page.locator(selector).innerText()).replace(/,/g, ''));
  }

  /** The API's own answer, asked outside the browser with `token`; GraphQL errors fail the test. */
  async graphql<T>(token: string, query: string, variables: object = {}): Promise<T> {
    const response = await fetch(`${this.server.origin}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data: T; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return body.data;
  }

  /** Clicks a download button and returns the file's name and text. */
  async downloadText(selector: string): Promise<{ name: string; text: string }> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download', { timeout: 30000 }),
      this.page.locator(selector).click(),
    ]);
    return {
      name: download.suggestedFilename(),
      text: readFileSync(await download.path()).toString('utf8'),
    };
  }
}
