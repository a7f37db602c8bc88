// Browser helpers: Debian's Chromium driven by playwright-core (never a downloaded browser),
// pages that remember every console error and uncaught exception, hydration, screenshots
// and axe-core accessibility checks.

import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const END2END = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where screenshots go (git-ignored). */
export const OUTPUT_DIR = path.join(END2END, 'output');

/** The system Chromium. `CHROMIUM_PATH` overrides it; nothing is ever downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const HYDRATION_TIMEOUT_MS = 20_000;

/**
 * Launches headless Chromium. A missing browser is always a hard failure (in CI and out of
 * it): this suite only runs when someone asks for it, so skipping would hide a broken setup.
 */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Install Debian's browser (sudo apt-get install -y chromium) ` +
        'or point CHROMIUM_PATH at a Chromium binary. The suite never downloads a browser.' +
        (process.env.CI === 'true' ? ' (CI=true: this is a failure, not a skip.)' : ''),
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A page in its own context, recording problems as they happen:
 * - `page.errors`: console errors and uncaught page errors, as `{ type, text, url }`
 *   (`type` is `'console'` or `'pageerror'`; `url` is where the console message came from,
 *   e.g. the resource that failed to load);
 * - `page.failedResponses`: responses with status >= 400 and requests that failed, for diagnosis.
 * Close it with `closePage(page)` (closes the context too).
 * @param {import('playwright-core').Browser} browser
 * @param {{ viewport?: { width: number, height: number }, javaScriptEnabled?: boolean } & import('playwright-core').BrowserContextOptions} [options]
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.failedResponses = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      page.errors.push({ type: 'console', text: msg.text(), url: msg.location()?.url ?? '' });
    }
  });
  page.on('pageerror', (err) => {
    page.errors.push({ type: 'pageerror', text: String(err?.stack || err), url: '' });
  });
  page.on('response', (res) => {
    if (res.status() >= 400) page.failedResponses.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => {
    page.failedResponses.push(`FAILED ${req.method()} ${req.url()}: ${req.failure()?.errorText ?? '?'}`);
  });
  return page;
}

/** Closes a page made by `newPage` and its context. */
export async function closePage(page) {
  await page.context().close();
}

/** Console and page errors, minus the ones `ignore` (a predicate on `{ type, text, url }`) accepts. */
export function pageErrors(page, ignore = () => false) {
  return page.errors.filter((e) => !ignore(e));
}

/** Ignore predicate for a missing favicon (the only error the suite tolerates, and only where asked). */
export const isFavicon404 = (e) => e.type === 'console' && /\/favicon\.[a-z]+(\?|$)/.test(e.url) && /404/.test(e.text);

/** A readable list of a page's errors and failed responses, for assertion messages. */
export function describeErrors(page, errors = page.errors) {
  const lines = errors.map((e) => `  [${e.type}] ${e.text}${e.url ? `  (${e.url})` : ''}`);
  const failed = page.failedResponses.map((r) => `  ${r}`);
  return [
    `${errors.length} error(s):`,
    ...lines,
    ...(failed.length ? ['failed responses:', ...failed] : []),
  ].join('\n');
}

/** Waits until the app has hydrated (`<body data-hydrated="true">`, set by the app itself). */
export async function waitForHydration(page, timeout = HYDRATION_TIMEOUT_MS) {
  try {
    await page.waitForFunction(() => document.body?.dataset.hydrated === 'true', null, { timeout });
  } catch (e) {
    throw new Error(
      `The page never hydrated within ${timeout / 1000}s (body[data-hydrated] is ` +
        `${JSON.stringify(await page.evaluate(() => document.body?.dataset.hydrated ?? null).catch(() => '?'))}).\n` +
        describeErrors(page),
      { cause: e },
    );
  }
}

/** Saves a PNG to end2end/output/<name> and returns its path. Options go to `page.screenshot`. */
export async function screenshot(page, name, options = {}) {
  await mkdir(OUTPUT_DIR, { recursive: true });
  const file = path.join(OUTPUT_DIR, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file, ...options });
  return file;
}

let axeSource = null;

/**
 * Runs axe-core on the page and returns all its violations, whatever their impact.
 * `options` go to `axe.run` (e.g. `{ runOnly: ['wcag2a', 'wcag2aa'] }`).
 */
export async function axeViolations(page, options = {}) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    // Evaluated, not added as a <script>: the app's Content-Security-Policy (script-src with a
    // nonce) blocks injected script tags, and `page.addScriptTag` then throws and logs a CSP
    // console error that would count as a page error. Evaluation is not subject to the CSP.
    axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axeSource);
  }
  const results = await page.evaluate((opts) => window.axe.run(document, opts), options);
  return results.violations;
}

/**
 * Runs axe-core on the page and returns the violations whose impact is `serious` or
 * `critical`. `options` go to `axe.run` (e.g. `{ runOnly: ['wcag2a', 'wcag2aa'] }`).
 */
export async function checkA11y(page, options = {}) {
  const violations = await axeViolations(page, options);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A readable summary of axe violations, for assertion messages. */
export function describeViolations(violations) {
  return violations
    .map(
      (v) =>
        `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').join(' ')}`).join('\n'),
    )
    .join('\n');
}

/**
 * Runs `body` with a fresh page of `browser`; on failure saves `<name>-failure.png` and adds
 * the page's address and errors to the message. The page is closed either way.
 */
export async function withPage(browser, options, name, body) {
  const page = await newPage(browser, options);
  try {
    return await body(page);
  } catch (e) {
    await screenshot(page, `${name}-failure.png`).catch(() => {});
    e.message += `\n(at ${page.url()})\n${describeErrors(page)}`;
    throw e;
  } finally {
    await closePage(page);
  }
}
