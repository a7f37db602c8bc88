// The weight budget of an event page: a first visit (empty cache, the Accept-Encoding Chromium
// sends by itself) may transfer at most BUDGET_BYTES of everything but images, counted as
// bytes received (CDP Network.loadingFinished encodedDataLength: compressed body plus
// response headers) from the navigation until the network is quiet after hydration. The
// wasm bundle must come precompressed with brotli (`content-encoding: br`).
// Prints the total and the split by type as test diagnostics.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DESKTOP, isFavicon404, pageErrors, waitForHydration, withPage } from '../lib/browser.mjs';
import { BYTE_TYPES, byteType, trackRequests } from '../lib/network.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

/** Bytes a first visit to an event page may transfer, images left out. */
const BUDGET_BYTES = 250 * 1024;

const TIMEOUT = 90_000;
const QUIET_MS = 500; // the network is quiet when nothing is in flight for this long
const QUIET_TIMEOUT_MS = 15_000;

const env = serverAndBrowser({ timeout: TIMEOUT });


const header = (headers, name) =>
  Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === name)?.[1];

/** A published demo event whose page offers tickets (a quantity select). */
async function bookableEventSlug() {
  const res = await fetch(`${env.server.url}/api/v1/events?available=true&limit=50`);
  assert.equal(res.status, 200, 'GET /api/v1/events');
  const { items } = await res.json();
  for (const e of items.filter((i) => i.status === 'published' && i.available > 0).slice(0, 20)) {
    const html = await (await fetch(`${env.server.url}/events/${e.slug}`)).text();
    if (/<select[^>]*name="quantity"/.test(html)) return e.slug;
  }
  assert.fail('no demo event with a bookable ticket type among the first 20 with seats left');
}

describe('weight budget', () => {
  test(`an event page, first visit, transfers at most ${BUDGET_BYTES / 1024} KiB besides images`, { timeout: TIMEOUT }, async (t) => {
    const slug = await bookableEventSlug();
    await withPage(env.browser, { viewport: DESKTOP }, 'budget-event', async (page) => {
      const cdp = await page.context().newCDPSession(page);
      const tracker = trackRequests(cdp);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });

      const response = await page.goto(`${env.server.url}/events/${slug}`);
      assert.equal(response.status(), 200);
      await waitForHydration(page);
      // Everything the first visit asks for, until nothing has been in flight for QUIET_MS
      // (the live WebSocket stays open and is not counted).
      const deadline = Date.now() + QUIET_TIMEOUT_MS;
      let quietSince = Date.now();
      for (;;) {
        const inFlight = tracker.inFlight();
        if (inFlight.length) quietSince = Date.now();
        else if (Date.now() - quietSince >= QUIET_MS) break;
        assert.ok(Date.now() < deadline, `the network never went quiet: ${inFlight.map((r) => r.url).join(', ')}`);
        await page.waitForTimeout(50);
      }

      const all = tracker.list();
      const split = Object.fromEntries(BYTE_TYPES.map((ty) => [ty, 0]));
      for (const r of all) split[byteType(r)] += r.bytes;
      const total = BYTE_TYPES.filter((ty) => ty !== 'images').reduce((sum, ty) => sum + split[ty], 0);
      const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
      t.diagnostic(`/events/${slug}: ${total} bytes (${kib(total)}) besides images; budget ${BUDGET_BYTES} (${kib(BUDGET_BYTES)})`);
      t.diagnostic(BYTE_TYPES.map((ty) => `${ty} ${split[ty]}`).join(', ') + ' (images not counted)');
      for (const r of all) {
        t.diagnostic(`  ${byteType(r).padEnd(8)} ${String(r.bytes).padStart(8)}  ${r.status ?? '-'} ${header(r.headers, 'content-encoding') ?? '-'}  ${r.url.replace(env.server.url, '')}${r.failed ? ` (failed: ${r.failed})` : ''}`);
      }

      const doc = all.find((r) => r.type === 'Document');
      t.diagnostic(`Accept-Encoding sent by Chromium: ${header(doc?.sentHeaders, 'accept-encoding') ?? '?'}`);
      const document = all.filter((r) => r.type === 'Document');
      assert.equal(document.length, 1, 'one document');
      assert.ok(document[0].bytes > 0, 'the document was counted');
      const wasm = all.filter((r) => byteType(r) === 'wasm');
      assert.ok(wasm.length >= 1, 'the page loaded its wasm');
      for (const w of wasm) {
        assert.equal(w.status, 200, `the wasm was served (${w.url})`);
        assert.equal(header(w.headers, 'content-encoding'), 'br', `the wasm came with content-encoding: br (${w.url})`);
      }
      assert.deepEqual(pageErrors(page, isFavicon404).map((e) => e.text), [], 'no console or page errors');
      assert.ok(
        total <= BUDGET_BYTES,
        `a first visit to /events/${slug} transferred ${total} bytes (${kib(total)}) besides images, over the budget of ` +
          `${BUDGET_BYTES} (${kib(BUDGET_BYTES)}): ${BYTE_TYPES.filter((ty) => ty !== 'images').map((ty) => `${ty} ${split[ty]}`).join(', ')}`,
      );
    });
  });
});
