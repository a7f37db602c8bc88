// The set-up every browser test file shares: one server (fresh data directory, demo data)
// and one Chromium for the whole file, both stopped when it ends.

import { after, before } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { startServer } from './server.mjs';

/**
 * Starts a server and a browser before the file's tests and stops them after.
 * @returns {{ server: Awaited<ReturnType<typeof startServer>>, browser: import('playwright-core').Browser }}
 *   filled in once the tests run (read `env.server.url`, `env.browser` inside tests).
 */
export function serverAndBrowser({ timeout = 90_000 } = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  }, { timeout });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
