import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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
