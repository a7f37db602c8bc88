// Prints how an event page and the home page load on a slow phone, first visit: Largest
// Contentful Paint, First Contentful Paint, when the page became interactive, (event page)
// when the ticket picker responds, and the bytes transferred, split by type. Each page is
// loaded RUNS times (default 3), each time in a fresh browser context with the cache disabled,
// and the median of each figure is printed. Figures come from this command, never from tests.
//
// How: a real server (lib/server.mjs: fresh data directory, demo data, random loopback port)
// and Debian's Chromium (lib/browser.mjs), a phone viewport (390x844), and through the Chrome
// DevTools Protocol:
//   - Emulation.setCPUThrottlingRate {rate: 4} (DevTools' "4x slowdown"),
//   - Network.emulateNetworkConditions with DevTools' "Slow 4G" preset (SLOW_4G below),
//   - Network.setCacheDisabled {cacheDisabled: true}.
// Times are milliseconds since navigation start (performance.now() in the page):
//   - LCP: the last 'largest-contentful-paint' entry (PerformanceObserver, buffered), read
//     before anything is clicked (input ends LCP);
//   - FCP: the 'first-contentful-paint' paint entry;
//   - interactive: the first moment <body data-hydrated="true">, which the app sets once its
//     browser code has hydrated the page (seen by a MutationObserver from an init script);
//   - picker answers (event page): the page is opened and, as soon as the ticket picker's
//     quantity <select> is visible, a quantity is chosen with a real click, while the page is
//     still loading; the figure is the later of that select's `change` event and the first
//     paint. The picker is a plain form until its island runs, so this is when a visitor's
//     click is first answered. The run then checks the choice is still there after hydration.
//   - picker live (event page): the first moment the island around `.ticket-list` carries
//     `data-ready` (set once it runs in the browser), or, when none appears within 2 s after
//     hydration, the hydration time (live counts, in-place booking).
// Bytes: Network.loadingFinished encodedDataLength per request (bytes received, headers
// included), counted until the network is quiet after hydration; WebSocket traffic is not
// counted. Types: document, script (JS), wasm, css, images, other.
//
// Run from end2end/: `npm run perf` (after building the server and the site). Environment:
//   EVENTLY_BIN        server binary; default ../target/release/server if it exists, else
//                      ../target/debug/server (relative to end2end/)
//   EVENTLY_SITE_ROOT  built site; default ../target/site
//   RUNS               loads per page (default 3; odd counts give a true median)
//   CHROMIUM_PATH      another Chromium (default /usr/bin/chromium); nothing is downloaded
// Bounded: every wait has a timeout and the whole command gives up after 15 minutes.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PHONE, closePage, describeErrors, isFavicon404, launchBrowser, newPage, pageErrors } from '../lib/browser.mjs';
import { BYTE_TYPES, trackRequests } from '../lib/network.mjs';
import { startServer } from '../lib/server.mjs';

const END2END = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!process.env.EVENTLY_BIN) {
  const release = path.join(END2END, '../target/release/server');
  process.env.EVENTLY_BIN = existsSync(release) ? release : path.join(END2END, '../target/debug/server');
}

/**
 * Chrome DevTools' "Slow 4G" network preset, as DevTools sends it: ChromeDevTools/devtools-frontend,
 * front_end/core/sdk/NetworkManager.ts, `Slow4GConditions` (called "Fast 3G" until May 2024,
 * renamed to match Lighthouse, crbug.com/342406608): download 1.6 * 1000 * 1000 / 8 * .9 =
 * 180,000 B/s (~1.44 Mbit/s), upload 750 * 1000 / 8 * .9 = 84,375 B/s, latency
 * 150 ms target RTT * 3.75 = 562.5 ms; front_end/core/sdk/NetworkManager.test.ts checks exactly
 * {latency: 562.5, downloadThroughput: 180000, uploadThroughput: 84375, connectionType: 'cellular4g'}.
 */
export const SLOW_4G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: 180_000,
  uploadThroughput: 84_375,
  connectionType: 'cellular4g',
};
/** DevTools' "4x slowdown" CPU throttling (Lighthouse's mobile setting too). */
export const CPU_SLOWDOWN = 4;

const RUNS = Number(process.env.RUNS || 3);
const READY_GRACE_MS = 2_000; // how long after hydration the ticket picker may take to say data-ready
const LOAD_TIMEOUT_MS = 90_000; // navigation and hydration, each, under throttling
const QUIET_MS = 500; // the network is quiet when nothing is in flight for this long
const QUIET_TIMEOUT_MS = 20_000;
const OVERALL_TIMEOUT_MS = 15 * 60_000;

/** Recorded in the page before any of its own code runs. */
function initScript() {
  const perf = { hydrated: null, ready: null, lcp: null, lcpElement: null, answered: null, answeredBeforeHydration: null };
  Object.defineProperty(window, '__eventlyPerf', { value: perf });
  const check = () => {
    const now = performance.now();
    if (perf.hydrated === null && document.body?.dataset.hydrated === 'true') perf.hydrated = now;
    if (perf.ready === null && document.querySelector('[data-ready] .ticket-list')) perf.ready = now;
  };
  // The first quantity the visitor's click changed in the ticket picker, island or not.
  document.addEventListener(
    'change',
    (e) => {
      if (perf.answered === null && e.target instanceof Element && e.target.matches('.ticket-list select[name=quantity]')) {
        perf.answered = performance.now();
        perf.answeredBeforeHydration = document.body?.dataset.hydrated !== 'true';
      }
    },
    true,
  );
  // Subtree + childList: catches <body> arriving, its attributes and a marked element added later.
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-hydrated', 'data-ready'],
  });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      perf.lcp = e.startTime;
      const cls = e.element?.getAttribute('class')?.trim().split(/\s+/)[0];
      perf.lcpElement = e.element ? e.element.tagName.toLowerCase() + (cls ? `.${cls}` : '') : null;
    }
  }).observe({ type: 'largest-contentful-paint', buffered: true });
}

async function waitForQuietNetwork(tracker) {
  const deadline = Date.now() + QUIET_TIMEOUT_MS;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    if (tracker.inFlight().length > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= QUIET_MS) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** A published event whose page offers a quantity select (so the ticket picker can be tried). */
async function pickEvent(url) {
  const res = await fetch(`${url}/api/v1/events?available=true&limit=50`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /api/v1/events answered ${res.status}`);
  const { items } = await res.json();
  for (const e of items.filter((i) => i.status === 'published' && i.available > 0).slice(0, 20)) {
    const html = await (await fetch(`${url}/events/${e.slug}`, { signal: AbortSignal.timeout(10_000) })).text();
    if (/<select[^>]*name="quantity"/.test(html)) return e.slug;
  }
  throw new Error('no demo event with a bookable ticket type among the first 20 with seats left');
}

/** One first visit of `pagePath` under throttling; returns its figures. */
async function measure(browser, baseUrl, pagePath, { ticketPicker, clickEarly = false }) {
  const page = await newPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  try {
    await page.addInitScript(initScript);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const tracker = trackRequests(cdp);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });

    let response;
    let early = null;
    if (clickEarly) {
      // A visitor who clicks the picker as soon as it shows: the click goes in while the page
      // is still loading (before its script runs, if it comes first), and must take.
      response = await page.goto(`${baseUrl}${pagePath}`, { waitUntil: 'commit', timeout: LOAD_TIMEOUT_MS });
      early = await tryTicketPicker(page);
      await page.waitForLoadState('load', { timeout: LOAD_TIMEOUT_MS });
    } else {
      response = await page.goto(`${baseUrl}${pagePath}`, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS });
    }
    if (response?.status() !== 200) throw new Error(`GET ${pagePath} answered ${response?.status()}`);
    await page.waitForFunction(() => window.__eventlyPerf.hydrated !== null, null, { timeout: LOAD_TIMEOUT_MS, polling: 100 });
    if (ticketPicker) {
      // Up to READY_GRACE_MS after hydration for the data-ready marker of the ticket list's island.
      await page
        .waitForFunction(
          (grace) => window.__eventlyPerf.ready !== null || performance.now() >= window.__eventlyPerf.hydrated + grace,
          READY_GRACE_MS,
          { timeout: READY_GRACE_MS + 10_000, polling: 50 },
        );
    }
    const quiet = await waitForQuietNetwork(tracker);
    const seen = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        ...window.__eventlyPerf,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        // Chromium applies the emulated latency to the body: the first byte is not delayed,
        // the end of the response is.
        requestToEnd: nav ? nav.responseEnd - nav.requestStart : null,
      };
    });
    // The network preset must be in force: every response takes at least its latency.
    if (seen.requestToEnd === null || seen.requestToEnd < SLOW_4G.latency) {
      throw new Error(`network throttling is not in force: the document arrived ${seen.requestToEnd?.toFixed(0)} ms after its request`);
    }

    const result = {
      lcp: seen.lcp,
      lcpElement: seen.lcpElement,
      fcp: seen.fcp,
      interactive: seen.hydrated,
      bytes: tracker.bytes(),
      quiet,
      picker: null,
      readyMarker: null,
      pickerOk: null,
      answered: null,
      answeredBeforeHydration: null,
    };
    if (ticketPicker) {
      const readyInTime = seen.ready !== null && seen.ready <= seen.hydrated + READY_GRACE_MS;
      result.readyMarker = readyInTime;
      result.picker = readyInTime ? Math.max(seen.ready, 0) : seen.hydrated;
      if (!clickEarly) result.pickerOk = (await tryTicketPicker(page)).text;
    }
    if (clickEarly) {
      // The early choice survived the island taking over (hydration must not reset it).
      const kept = await page.locator(PICKER_SELECT).first().inputValue();
      if (kept !== early.value) throw new Error(`the quantity chosen before hydration (${early.value}) became ${kept} after it`);
      // Answered: the change event of that click, or the first paint if the click came in
      // before anything was painted (a visitor cannot click what is not on screen yet).
      const answered = await page.evaluate(() => [window.__eventlyPerf.answered, window.__eventlyPerf.answeredBeforeHydration]);
      if (answered[0] === null) throw new Error('the quantity select never fired a change event');
      result.answered = Math.max(answered[0], seen.fcp ?? 0);
      result.answeredBeforeHydration = answered[1];
      result.pickerOk = early.text;
    }
    const errors = pageErrors(page, isFavicon404);
    if (errors.length) throw new Error(`the page logged errors:\n${describeErrors(page, errors)}`);
    return result;
  } finally {
    await closePage(page);
  }
}

/** Clicks the first bookable row's quantity select and picks another quantity; throws if it does not take. */
const PICKER_SELECT = '.ticket-list li.ticket-row select[name=quantity], .ticket-list select';
async function tryTicketPicker(page) {
  const select = page.locator(PICKER_SELECT).first();
  await select.waitFor({ state: 'visible', timeout: LOAD_TIMEOUT_MS });
  const values = await select.evaluate((s) => [...s.options].map((o) => o.value));
  const before = await select.inputValue();
  const target = values.find((v) => v !== before) ?? before;
  const errorsBefore = pageErrors(page, isFavicon404).length;
  await select.click({ timeout: 10_000 });
  await select.selectOption(target, { timeout: 10_000 });
  // Two animation frames: whatever the app does on `change` has run and painted.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const after = await select.inputValue();
  if (after !== target) throw new Error(`the quantity select shows ${after} after choosing ${target}`);
  if (pageErrors(page, isFavicon404).length !== errorsBefore) {
    throw new Error(`choosing a quantity logged errors:\n${describeErrors(page)}`);
  }
  return { value: after, text: `${before} -> ${after} of ${values.length}` };
}

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}
const ms = (x) => (x === null ? '-' : `${Math.round(x)} ms`);
const kib = (x) => (x === null ? '-' : `${(x / 1024).toFixed(1)} KiB`);
const pad = (s, n) => String(s).padStart(n);

function printRun(name, i, r) {
  const b = r.bytes;
  console.log(
    `    run ${i + 1}: LCP ${ms(r.lcp)} (${r.lcpElement ?? '?'}), FCP ${ms(r.fcp)}, interactive ${ms(r.interactive)}` +
      (r.answered !== null
        ? `, ticket picker answered a click at ${ms(r.answered)} (${r.answeredBeforeHydration ? 'as a plain form, before hydration' : 'after hydration'}; select ${r.pickerOk})`
        : '') +
      (r.picker !== null ? `, its island live ${ms(r.picker)} (${r.readyMarker ? 'data-ready' : 'no data-ready: hydration time'})` : '') +
      `, ${kib(b.total)} (${BYTE_TYPES.map((t) => `${t} ${kib(b[t])}`).join(', ')})${r.quiet ? '' : ', network never went quiet'}`,
  );
}

async function main() {
  const started = Date.now();
  let server;
  let browser;
  const watchdog = setTimeout(async () => {
    console.error(`perf: gave up after ${OVERALL_TIMEOUT_MS / 60_000} minutes`);
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    process.exit(2);
  }, OVERALL_TIMEOUT_MS);
  try {
    if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 21) throw new Error(`RUNS must be 1 to 21 (got ${process.env.RUNS})`);
    console.log(`==> starting the server (${process.env.EVENTLY_BIN}) with demo data`);
    server = await startServer();
    browser = await launchBrowser();
    const slug = await pickEvent(server.url);
    console.log(`==> server at ${server.url}, Chromium ${browser.version()}`);
    console.log(
      `==> Slow 4G (${SLOW_4G.latency} ms, ${(SLOW_4G.downloadThroughput * 8) / 1e6} Mbit/s down, ` +
        `${(SLOW_4G.uploadThroughput * 8) / 1e6} Mbit/s up), CPU ${CPU_SLOWDOWN}x slower, cache disabled, ` +
        `phone ${PHONE.width}x${PHONE.height}; ${RUNS} run(s) per page`,
    );
    // The early click ends LCP (input stops it), so it gets loads of its own.
    const pages = [
      { name: 'event', path: `/events/${slug}`, ticketPicker: true },
      { name: 'event, clicking at once', key: 'early', path: `/events/${slug}`, ticketPicker: true, clickEarly: true },
      { name: 'home', path: '/', ticketPicker: false },
    ];
    const results = Object.fromEntries(pages.map((p) => [p.key ?? p.name, []]));
    for (let i = 0; i < RUNS; i++) {
      for (const p of pages) {
        console.log(`==> ${p.name} page ${p.path}, run ${i + 1} of ${RUNS}`);
        const r = await measure(browser, server.url, p.path, p);
        results[p.key ?? p.name].push(r);
        printRun(p.name, i, r);
      }
    }

    console.log(`\nMedians of ${RUNS} first visit(s), Slow 4G + ${CPU_SLOWDOWN}x CPU, phone viewport:`);
    const head = ['page', 'LCP', 'FCP', 'interactive', 'picker answers', 'picker live', 'total', ...BYTE_TYPES];
    const widths = [6, 9, 9, 12, 15, 12, 11, ...BYTE_TYPES.map(() => 11)];
    console.log(head.map((h, i) => pad(h, widths[i])).join(' '));
    for (const p of pages.filter((p) => !p.clickEarly)) {
      const rs = results[p.name];
      const early = results.early;
      const m = (f) => median(rs.map(f));
      const cells = [
        p.name,
        ms(m((r) => r.lcp)),
        ms(m((r) => r.fcp)),
        ms(m((r) => r.interactive)),
        p.ticketPicker ? ms(median(early.map((r) => r.answered))) : '-',
        p.ticketPicker ? ms(m((r) => r.picker)) : '-',
        kib(m((r) => r.bytes.total)),
        ...BYTE_TYPES.map((t) => kib(m((r) => r.bytes[t]))),
      ];
      console.log(cells.map((c, i) => pad(c, widths[i])).join(' '));
    }
    const ev = results.event;
    const early = results.early;
    const marked = ev.filter((r) => r.readyMarker).length;
    console.log(
      `(times in ms since navigation start; bytes as received, headers included; ticket picker: ` +
        `${marked} of ${ev.length} run(s) saw the ticket list's island ready ([data-ready] around .ticket-list) within ${READY_GRACE_MS / 1000} s of hydration, ` +
        `the others count the hydration time; "picker answers": a quantity chosen as soon as the select showed, ` +
        `the later of its change event and the first paint, in loads of their own, ${early.filter((r) => r.answeredBeforeHydration).length} of ${early.length} before hydration, ` +
        `the choice kept through hydration in every run)`,
    );
    console.log(`==> done in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearTimeout(watchdog);
    await browser?.close();
    await server?.stop();
  }
}

main().catch((e) => {
  console.error(`perf: ${e.stack || e}`);
  process.exitCode = 1;
});
