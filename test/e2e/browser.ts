/**
 * A real browser for the console's tests: Debian's chromium driven by playwright-core (which never
 * downloads a browser of its own), headless, with a fresh profile each time. Tests that need it are
 * skipped, with one line saying why, where /usr/bin/chromium is not installed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './support';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumInstalled = existsSync(CHROMIUM);
/** Screenshots for a person to look at (git-ignored). */
export const SCREENSHOTS = path.join(ROOT, 'test', 'e2e', 'screenshots');

export function describeWithBrowser(name: string, body: () => void): void {
  if (!chromiumInstalled) console.warn(`Skipping "${name}": no browser at ${CHROMIUM} (Debian package chromium; .ci/run installs it).`);
  (chromiumInstalled ? describe : describe.skip)(name, body);
}

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Messages the page logged and errors it threw, for failure messages. */
  console: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const messages: string[] = [];
  page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => messages.push(`page error: ${error.message}`));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    context,
    console: messages,
    screenshot: async (name) => {
      const file = path.join(SCREENSHOTS, `${name}.png`);
      // From the top: a full-page shot of a scrolled page draws the sticky header where the scroll left it.
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
