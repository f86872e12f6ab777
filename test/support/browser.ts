/**
 * A real browser for the console's test and benchmark: Debian's chromium (`CHROMIUM_PATH` picks another)
 * driven by playwright-core, which never downloads a browser of its own; headless, with a fresh profile
 * each time. Suites that need it are skipped where there is none, and the global setup puts the one line
 * saying why under jest's summary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { temporaryDirectory } from './temporary-directory';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots for a person to look at (git-ignored). */
export const SCREENSHOTS = path.resolve(__dirname, '..', 'e2e', 'screenshots');

/** Undefined when the browser is there; else why the browser suites are skipped. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `no browser at ${CHROMIUM} (Debian package chromium, which .ci/run installs; or set CHROMIUM_PATH)`;
}

/** `describe` when the browser is there, else `describe.skip` (the reason is in jest's summary). */
export function describeWithBrowser(name: string, body: () => void): void {
  (browserMissing() === undefined ? describe : describe.skip)(name, body);
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Messages the page logged and errors it threw, for failure messages. */
  console: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** A headless chromium with a fresh profile (removed by close()), and its first page. */
export async function openBrowser(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const profile = temporaryDirectory('chromium-profile');
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const messages: string[] = [];
  page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => messages.push(`page error: ${error.message}`));
  return {
    page,
    context,
    console: messages,
    screenshot: async (name) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${name}.png`);
      // From the top: a full-page shot of a scrolled page draws the sticky header where the scroll left it.
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: async () => {
      await context.close();
      profile.remove();
    },
  };
}
