// The analytics dashboards (issue 17), in the browser:
//   1. the event dashboard (`/organizer/events/{id}/analytics`) of a new organizer's event with
//      two ticket types: the sales curve is an accessible SVG (role img, <title>, <desc>) with
//      a "Show as table" view; the live socket connects (`#live-sales[data-live="on"]`); a
//      booking and a hold made elsewhere (a buyer, through the API with an Idempotency-Key)
//      change the sold / in checkout / left figures in place, without a reload (a JS marker
//      set before is still there after), and the open table stays open;
//   2. the admin's platform dashboard (`/admin/analytics`): the booking shows once the worker
//      has folded the rollups (every 20 s, so the page is reloaded until it does); the range
//      chips change the URL (`?range=7d`) and the figures' period; the custom range form
//      shows the chosen days; every line chart is an accessible SVG;
//   3. who may see what: an organizer gets "Admins only" on the admin dashboard, another
//      organizer gets the not-found page (404) for the first organizer's event dashboard, and
//      a visitor who is not signed in is sent to sign-in;
//   4. both dashboards at desktop (1280x900) and phone (390x844) width, with no horizontal
//      overflow on the phone. Screenshots: analytics-{event,admin}-{desktop,phone}.png.
// No console or page errors on any of these pages.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { apiClient } from '../lib/api.mjs';
import { PHONE, describeErrors, screenshot, withPage } from '../lib/browser.mjs';
import { DEMO_ORGANIZER, TEST_PASSWORD, expectSignedIn, newVisitor, signIn } from '../lib/journey.mjs';
import { serverBinary, siteRoot } from '../lib/server.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const TIMEOUT = 120_000;
/** How soon a change made elsewhere must show on the open event dashboard. */
const LIVE_MS = 5_000;
/** The admin figures are folded every 20 s: a booking shows within two folds at most. */
const FOLD_WAIT_MS = 45_000;
const DESKTOP_TALL = { width: 1280, height: 900 };

const env = serverAndBrowser({ timeout: 90_000 });
const client = apiClient(() => env.server.url);
const { api, json, login } = client;

// ---------------------------------------------------------------------------------------
// Accounts and the event, made once for the file

/** Runs `server create-admin` against the test server's data directory. */
function createAdmin(account) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      serverBinary(),
      ['create-admin', '--email', account.email, '--name', account.name, '--password-stdin'],
      {
        env: { ...process.env, EVENTLY_DATA_DIR: env.server.dataDir, EVENTLY_SITE_ROOT: siteRoot() },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`create-admin failed (exit ${code}):\n${out}`)),
    );
    child.stdin.end(`${account.password}\n`);
  });
}

/** A new account registered through the API, with its token and id. */
async function newAccount(label) {
  const visitor = newVisitor(label);
  await json(await api('/api/v1/auth/register', { method: 'POST', body: visitor }), 202, `registering ${visitor.email}`);
  const token = await login(visitor);
  const me = await json(await api('/api/v1/me', { token }), 200, 'GET /api/v1/me');
  return { ...visitor, token, id: me.id };
}

let fixture = null;

/**
 * An admin (`create-admin`), a new organizer (promoted by the admin through the API), a buyer,
 * and the organizer's published event with two ticket types. Made on first use.
 */
async function setup() {
  if (fixture) return fixture;
  const admin = { name: 'Analytics Admin', email: `e2e-admin-${Date.now().toString(36)}@example.test`, password: TEST_PASSWORD };
  await createAdmin(admin);
  admin.token = await login(admin);

  const organizer = await newAccount('Analytics Organizer');
  const promoted = await json(
    await api(`/api/v1/admin/users/${organizer.id}/role`, { method: 'POST', token: admin.token, body: { role: 'organizer' } }),
    200,
    'promoting the organizer',
  );
  assert.equal(promoted.role, 'organizer');
  organizer.token = await login(organizer); // a token with the new role

  const start = Date.now() + 12 * 86_400_000;
  const event = await json(
    await api('/api/v1/events', {
      method: 'POST',
      token: organizer.token,
      body: {
        title: `Analytics night ${Date.now().toString(36)}`,
        description: 'Two rooms, for the analytics dashboard browser test.',
        venue: 'Dashboard Hall',
        city: 'Berlin',
        category: 'music',
        starts_at: new Date(start).toISOString(),
        ends_at: new Date(start + 3 * 3_600_000).toISOString(),
        ticket_types: [
          { name: 'Standing', price_cents: 1500, currency: 'EUR', capacity: 40, max_per_booking: 10 },
          { name: 'Balcony', price_cents: 2500, currency: 'EUR', capacity: 12, max_per_booking: 10 },
        ],
      },
    }),
    201,
    'creating the event',
  );
  await json(await api(`/api/v1/events/${event.id}/publish`, { method: 'POST', token: organizer.token }), 200, 'publishing');
  assert.equal(event.ticket_types.length, 2, 'two ticket types');
  const [standing, balcony] = event.ticket_types;

  const buyer = await newAccount('Analytics Buyer');
  fixture = { admin, organizer, buyer, event, standing, balcony, path: `/organizer/events/${event.id}/analytics` };
  return fixture;
}

/**
 * The admin's "Tickets sold" for today, as the API has it now (folded figures), once the
 * worker has folded at least once (so the seeded history is in and only new sales move it).
 */
async function ticketsToday(adminToken) {
  const read = async () =>
    json(await api('/api/v1/admin/analytics/platform?range=today', { token: adminToken }), 200, 'platform analytics');
  let p = await read();
  const deadline = Date.now() + 30_000;
  while (!p.as_of) {
    assert.ok(Date.now() < deadline, 'the analytics worker folds the rollups within 30 s of the start');
    await new Promise((r) => setTimeout(r, 500));
    p = await read();
  }
  const s = p.headline.find((x) => x.key === 'tickets');
  assert.ok(s, `the headline has a tickets stat (${p.headline.map((x) => x.key).join(', ')})`);
  return s.value;
}

// ---------------------------------------------------------------------------------------
// Browser helpers

/** Signs `account` in through the /signin form, lands on `next` (path and query). */
async function signInTo(page, account, next) {
  await page.goto(`${env.server.url}/signin?next=${encodeURIComponent(next)}`, { waitUntil: 'domcontentloaded' });
  await signIn(page, account);
  const path = next.split(/[?#]/)[0];
  await page.waitForURL((u) => u.pathname === path, { timeout: 30_000 });
  await expectSignedIn(page);
}

/** Polls `check()` every 100 ms until it is true, for at most `timeout` ms. */
async function until(check, timeout, what) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first number in a text: "1,204" -> 1204, "3 of 40" -> 3 (NaN when there is none). */
const count = (text) => Number(/-?\d[\d,]*(\.\d+)?/.exec(text)?.[0].replace(/,/g, '') ?? NaN);

/** A headline stat's shown value (`.stat[data-key=key] .stat-value`). */
async function statValue(page, key) {
  return (await page.locator(`.stat[data-key="${key}"] .stat-value`).first().innerText()).trim();
}

/** The figures of one row of the per-ticket-type table. */
async function ticketRow(page, ticketTypeId) {
  return page.evaluate((id) => {
    const row = document.querySelector(`#live-sales tr[data-ticket-type="${id}"]`);
    if (!row) return null;
    const f = (k) => Number(row.querySelector(`td[data-field="${k}"]`)?.textContent.trim());
    return { sold: f('sold'), held: f('held'), left: f('left') };
  }, String(ticketTypeId));
}

/**
 * A line chart is an accessible image: `<svg role="img">` labelled by its own `<title>` and
 * `<desc>` (both non-empty, the title equal to the caption), and found by that name.
 * Returns the title.
 */
async function expectAccessibleChart(page, figure) {
  const svg = figure.locator('svg[role="img"]');
  assert.equal(await svg.count(), 1, 'one svg with role img');
  const a = await svg.evaluate((el) => {
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    const title = el.querySelector(':scope > title');
    const desc = el.querySelector(':scope > desc');
    return {
      ids,
      title: title?.textContent.trim() ?? '',
      titleId: title?.id ?? '',
      desc: desc?.textContent.trim() ?? '',
      descId: desc?.id ?? '',
      caption: el.closest('figure')?.querySelector('figcaption')?.textContent.trim() ?? '',
      resolves: ids.every((id) => !!document.getElementById(id)),
    };
  });
  assert.ok(a.title, 'the chart has a <title>');
  assert.ok(a.desc, 'the chart has a <desc>');
  assert.deepEqual(a.ids, [a.titleId, a.descId], 'aria-labelledby names the title and the desc');
  assert.ok(a.resolves, `every id in aria-labelledby exists (${a.ids.join(' ')})`);
  assert.equal(a.title, a.caption, 'the title is the caption');
  assert.equal(await page.getByRole('img', { name: a.title }).count() >= 1, true, `an image named "${a.title}"`);
  return a.title;
}

/** Opens the chart's "Show as table" and checks a table with a row per period appears. */
async function openAsTable(figure) {
  const details = figure.locator('details.as-table');
  const table = details.locator('table');
  assert.equal(await details.evaluate((d) => d.open), false, '"Show as table" starts closed');
  assert.equal(await table.isVisible(), false, 'the table is hidden at first');
  await details.locator('summary', { hasText: 'Show as table' }).click();
  await table.waitFor({ state: 'visible', timeout: 5_000 });
  assert.equal(await details.evaluate((d) => d.open), true, 'the details are open');
  const head = (await table.locator('thead th').allInnerTexts()).map((t) => t.trim());
  assert.equal(head[0], 'Period', `the first column is the period (${head.join(', ')})`);
  assert.ok(head.length >= 2, 'a column per series');
  const rows = await table.locator('tbody tr').count();
  assert.ok(rows >= 1, `the table has rows (${rows})`);
  return rows;
}

/** No horizontal page overflow (the phone check). */
async function expectNoOverflow(page, what) {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    // For the message: the elements that stick out, if any.
    wide: [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} (right ${Math.round(el.getBoundingClientRect().right)})`),
  }));
  assert.ok(scrollWidth <= innerWidth + 1, `${what}: the page is ${scrollWidth}px wide on a ${innerWidth}px screen; ${wide.join(', ')}`);
}

/**
 * Bars are drawn with their length (the page's CSP blocks inline styles, so it must not be
 * one) and as thin lines: in each ranking the longest bar fills its track, every bar
 * has a length within its track, and no bar is a tall box.
 */
async function expectBars(page, what) {
  const lists = await page.locator('figure.chart ol.bars').evaluateAll((ols) =>
    ols.map((ol) => ({
      funnel: ol.classList.contains('funnel'),
      bars: [...ol.querySelectorAll('.bar-track')].map((t) => ({
        track: Math.round(t.getBoundingClientRect().width),
        height: Math.round(t.getBoundingClientRect().height),
        fill: Math.round(t.querySelector('.bar-fill')?.getBoundingClientRect().width ?? 0),
      })),
    })),
  );
  assert.ok(lists.some((l) => l.bars.length > 0), `${what}: some bars are drawn`);
  for (const { funnel, bars } of lists) {
    const all = JSON.stringify(bars);
    assert.ok(bars.every((b) => b.track > 50 && b.fill > 0 && b.fill <= b.track + 1), `${what}: every bar has a length within its track (${all})`);
    assert.ok(bars.every((b) => b.height > 4 && b.height < 30), `${what}: bars are thin lines, not boxes (${all})`);
    if (!funnel && bars.length) {
      const longest = Math.max(...bars.map((b) => b.fill));
      assert.ok(Math.abs(longest - bars[0].track) <= 1, `${what}: the longest bar fills its track (${all})`);
    }
  }
}

function expectNoErrors(page, what) {
  assert.equal(page.errors.length, 0, `${what}: ${describeErrors(page)}`);
}

// ---------------------------------------------------------------------------------------

test('the event dashboard: accessible chart, live figures in place after a booking elsewhere', { timeout: TIMEOUT }, async () => {
  const f = await setup();
  const ticketsBefore = await ticketsToday(f.admin.token);
  f.ticketsBefore = ticketsBefore;

  await withPage(env.browser, { viewport: DESKTOP_TALL }, 'analytics-event', async (page) => {
    // Every live socket goes through here: passed to the server, except while `cut` is set,
    // when the page gets a socket that opens but carries nothing (a dead network path).
    // The dashboard's sockets are the ones that subscribe to the event (the header keeps a
    // socket of its own).
    const sockets = [];
    let cut = false;
    await page.routeWebSocket(/\/api\/v1\/live$/, (ws) => {
      const server = cut ? null : ws.connectToServer();
      ws.onMessage((m) => {
        server?.send(m);
        try {
          const msg = JSON.parse(String(m));
          if (msg.type === 'subscribe' && msg.event_ids?.includes(f.event.id)) sockets.push(ws);
        } catch {
          // not JSON: not ours
        }
      });
    });
    const loads = [];
    await signInTo(page, f.organizer, f.path);
    page.on('framenavigated', (fr) => {
      if (fr === page.mainFrame()) loads.push(fr.url());
    });
    assert.match(await page.locator('h1').innerText(), new RegExp(`^Sales: ${f.event.title}$`));
    const live = page.locator(`#live-sales[data-event-id="${f.event.id}"]`);
    await live.waitFor({ state: 'attached' });

    // Before any sale: both ticket types at 0 sold, all seats left.
    assert.deepEqual(await ticketRow(page, f.standing.id), { sold: 0, held: 0, left: 40 }, 'Standing before');
    assert.deepEqual(await ticketRow(page, f.balcony.id), { sold: 0, held: 0, left: 12 }, 'Balcony before');
    assert.equal(count(await statValue(page, 'sold')), 0, 'the sold card says 0');

    // The sales curve: an accessible SVG with a table view.
    const curve = page.locator('#chart-sales-curve');
    await curve.waitFor({ state: 'visible' });
    await expectAccessibleChart(page, curve);
    await openAsTable(curve);
    for (const other of await page.locator('#live-sales figure.chart svg[role="img"]').all()) {
      await expectAccessibleChart(page, other.locator('xpath=ancestor::figure[1]'));
    }

    // The live socket is connected.
    await page.locator('#live-sales[data-live="on"]').waitFor({ state: 'attached', timeout: 10_000 });
    await page.evaluate(() => {
      window.__marker = 1;
    });
    assert.equal(await live.getAttribute('data-updated-at'), null, 'nothing swapped in yet');

    // The buyer books 3 Standing elsewhere (API, with an Idempotency-Key).
    const started = Date.now();
    const booking = await json(
      await api(`/api/v1/events/${f.event.id}/bookings`, {
        method: 'POST',
        token: f.buyer.token,
        headers: { 'Idempotency-Key': `analytics-${f.event.id}-standing` },
        body: { ticket_type_id: f.standing.id, quantity: 3 },
      }),
      201,
      'booking 3 Standing',
    );
    await until(async () => (await ticketRow(page, f.standing.id))?.sold === 3, LIVE_MS, 'Standing sold reads 3');
    console.log(`# the sold figure changed ${Date.now() - started} ms after the booking`);
    assert.deepEqual(await ticketRow(page, f.standing.id), { sold: 3, held: 0, left: 37 }, 'Standing after the booking');
    assert.deepEqual(await ticketRow(page, f.balcony.id), { sold: 0, held: 0, left: 12 }, 'Balcony untouched');
    await until(async () => count(await statValue(page, 'sold')) === 3, LIVE_MS, 'the sold card reads 3');
    assert.ok(Number(await live.getAttribute('data-updated-at')) >= started, 'data-updated-at says when it was swapped');
    assert.equal(await page.evaluate(() => window.__marker), 1, 'the page was not reloaded (the marker is still set)');
    assert.deepEqual(loads, [], 'no navigation of the page');
    assert.equal(
      await page.locator('#chart-sales-curve details.as-table').evaluate((d) => d.open),
      true,
      'the open "Show as table" stays open across the swap',
    );
    assert.equal(await page.locator('#live-sales[data-live="on"]').count(), 1, 'still live');

    // A retry with the same key is the same booking: no second sale.
    const again = await api(`/api/v1/events/${f.event.id}/bookings`, {
      method: 'POST',
      token: f.buyer.token,
      headers: { 'Idempotency-Key': `analytics-${f.event.id}-standing` },
      body: { ticket_type_id: f.standing.id, quantity: 3 },
    });
    assert.equal((await json(again, 201, 'the retried booking')).id, booking.id, 'the retry returns the first booking');

    // The buyer holds 2 Balcony (checkout): "in checkout" and "left" follow, then a release.
    const hold = await json(
      await api(`/api/v1/events/${f.event.id}/holds`, {
        method: 'POST',
        token: f.buyer.token,
        headers: { 'Idempotency-Key': `analytics-${f.event.id}-balcony` },
        body: { ticket_type_id: f.balcony.id, quantity: 2 },
      }),
      201,
      'holding 2 Balcony',
    );
    await until(async () => (await ticketRow(page, f.balcony.id))?.held === 2, LIVE_MS, 'Balcony in checkout reads 2');
    assert.deepEqual(await ticketRow(page, f.balcony.id), { sold: 0, held: 2, left: 10 }, 'Balcony while held');
    assert.deepEqual(await ticketRow(page, f.standing.id), { sold: 3, held: 0, left: 37 }, 'Standing unchanged after the retry');
    const released = await api(`/api/v1/holds/${hold.id}`, { method: 'DELETE', token: f.buyer.token });
    assert.ok(released.status < 300, `releasing the hold: HTTP ${released.status} ${await released.text()}`);
    await until(async () => (await ticketRow(page, f.balcony.id))?.held === 0, LIVE_MS, 'Balcony in checkout back to 0');
    assert.deepEqual(await ticketRow(page, f.balcony.id), { sold: 0, held: 0, left: 12 }, 'Balcony after the release');
    assert.equal(await page.evaluate(() => window.__marker), 1, 'still the same document');
    assert.deepEqual(loads, [], 'still no navigation');
    // The socket drops and comes back on a path that carries nothing; a booking made then
    // sends the page no update. When the socket reconnects for real, the page catches up.
    cut = true;
    const before = sockets.length;
    sockets.at(-1).close();
    await page.locator('#live-sales[data-live="off"]').waitFor({ state: 'attached', timeout: 5_000 });
    await until(() => sockets.length > before, 10_000, 'the page reconnects (and subscribes)');
    await page.locator('#live-sales[data-live="on"]').waitFor({ state: 'attached', timeout: 5_000 });
    await json(
      await api(`/api/v1/events/${f.event.id}/bookings`, {
        method: 'POST',
        token: f.buyer.token,
        headers: { 'Idempotency-Key': `analytics-${f.event.id}-balcony-offline` },
        body: { ticket_type_id: f.balcony.id, quantity: 1 },
      }),
      201,
      'booking 1 Balcony while the page hears nothing',
    );
    await page.waitForTimeout(1_500);
    assert.equal((await ticketRow(page, f.balcony.id)).sold, 0, 'no update reached the page');
    cut = false;
    const dead = sockets.length;
    sockets.at(-1).close();
    await until(() => sockets.length > dead, 10_000, 'the page reconnects again (and subscribes)');
    await until(async () => (await ticketRow(page, f.balcony.id))?.sold === 1, LIVE_MS, 'Balcony sold reads 1 after the reconnect');
    assert.deepEqual(await ticketRow(page, f.balcony.id), { sold: 1, held: 0, left: 11 }, 'Balcony after catching up');
    assert.doesNotMatch(await page.locator('[data-live-label]').innerText(), /paused/, 'the label no longer says paused');
    assert.equal(await page.evaluate(() => window.__marker), 1, 'caught up without a reload');

    // The sales curve's table now has the 3 tickets in its last period.
    const lastRow = (await page.locator('#chart-sales-curve tbody tr').last().locator('td').allInnerTexts()).map(count);
    assert.deepEqual(lastRow, [3, 1], `the sales curve's last period counts 3 Standing and 1 Balcony (${lastRow.join(', ')})`);

    // Screenshots: desktop, then the same page at phone width.
    await expectBars(page, 'the event dashboard');
    await screenshot(page, 'analytics-event-desktop.png', { fullPage: true });
    await page.setViewportSize(PHONE);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('#live-sales[data-live="on"]').waitFor({ state: 'attached', timeout: 10_000 });
    await expectNoOverflow(page, 'the event dashboard on a phone');
    await expectBars(page, 'the event dashboard on a phone');
    await screenshot(page, 'analytics-event-phone.png', { fullPage: true });
    expectNoErrors(page, 'the event dashboard');
  });
});

test('the admin dashboard: the booking after the fold, range chips, custom range, accessible charts', { timeout: TIMEOUT }, async () => {
  const f = await setup();
  assert.ok(f.ticketsBefore !== undefined, 'the event dashboard test ran first (it makes the booking)');

  await withPage(env.browser, { viewport: DESKTOP_TALL }, 'analytics-admin', async (page) => {
    await signInTo(page, f.admin, '/admin/analytics?range=today');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Analytics');
    const tickets = page.locator('.stat[data-key="tickets"] .stat-value');
    await tickets.waitFor({ state: 'visible' });

    // The figures come from rollups folded every 20 s: reload until the booking is in.
    const want = f.ticketsBefore + 4;
    const started = Date.now();
    let shown = count(await tickets.innerText());
    while (shown < want) {
      assert.ok(Date.now() - started < FOLD_WAIT_MS, `"Tickets sold" today reaches ${want} (the 4 booked) within ${FOLD_WAIT_MS / 1000} s; it reads ${shown}`);
      await page.waitForTimeout(2_000);
      await page.reload({ waitUntil: 'domcontentloaded' });
      await tickets.waitFor({ state: 'visible' });
      shown = count(await tickets.innerText());
    }
    console.log(`# the admin dashboard showed the booking after ${Date.now() - started} ms of reloads (tickets today: ${shown})`);
    assert.ok(shown > 0, 'tickets sold today is more than 0');
    assert.equal(await page.locator('nav[aria-label="Date range"] a[aria-current="page"]').innerText(), 'Today', 'the Today chip is current');

    // Every line chart is an accessible image; the tickets chart has a table view.
    const charts = page.locator('figure.chart:has(svg[role="img"])');
    assert.ok((await charts.count()) >= 1, 'at least one line chart');
    for (const c of await charts.all()) await expectAccessibleChart(page, c);
    await openAsTable(charts.first());
    assert.ok((await page.locator('figure.chart ol.bars').count()) >= 1, 'bar lists are drawn');
    assert.equal(await page.locator('#chart-funnel').count(), 1, 'the funnel is drawn');
    await expectBars(page, 'the admin dashboard');

    // The range chips: "7 days" puts range=7d in the URL and becomes current.
    await page.locator('nav[aria-label="Date range"]').getByRole('link', { name: '7 days' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/analytics' && u.searchParams.get('range') === '7d', { timeout: 15_000 });
    await page.locator('nav[aria-label="Date range"] a[aria-current="page"]', { hasText: '7 days' }).waitFor({ timeout: 15_000 });
    assert.ok(count(await tickets.innerText()) >= shown, '7 days include today');
    const status7 = await page.locator('p[role="status"]', { hasText: 'UTC days' }).innerText();
    assert.match(status7, /– .*\(UTC days\)/, `a span of days (${status7})`);

    // The custom range form: the last 10 UTC days.
    const day = (offset) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
    const [from, to] = [day(9), day(0)];
    const form = page.locator('form.custom-range');
    await form.locator('input[name="from"]').fill(from);
    await form.locator('input[name="to"]').fill(to);
    await form.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(
      (u) => u.searchParams.get('range') === 'custom' && u.searchParams.get('from') === from && u.searchParams.get('to') === to,
      { timeout: 15_000 },
    );
    await page.locator('.stat[data-key="tickets"]').waitFor();
    assert.equal(await form.locator('input[name="from"]').inputValue(), from, 'the form keeps the first day');
    assert.equal(await form.locator('input[name="to"]').inputValue(), to, 'the form keeps the last day');
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const fmt = (iso) => `${Number(iso.slice(8, 10))} ${months[Number(iso.slice(5, 7)) - 1]}`;
    const status = await page.locator('p[role="status"]', { hasText: 'UTC days' }).innerText();
    assert.ok(status.includes(fmt(from)) && status.includes(`${fmt(to)} ${to.slice(0, 4)}`), `the period is ${from} to ${to} ("${status}")`);
    assert.equal(await page.locator('nav[aria-label="Date range"] a[aria-current="page"]').count(), 0, 'no preset chip is current');
    assert.ok(count(await tickets.innerText()) >= shown, 'the custom range includes today');
    // The chips leave the custom range.
    const chip = await page.locator('nav[aria-label="Date range"]').getByRole('link', { name: '30 days' }).getAttribute('href');
    const chipUrl = new URL(chip, env.server.url);
    assert.equal(chipUrl.searchParams.get('range'), '30d');
    assert.equal(chipUrl.searchParams.get('from'), null, 'a preset chip drops `from`');

    // Screenshots, desktop and phone (today's figures).
    await page.goto(`${env.server.url}/admin/analytics?range=today`, { waitUntil: 'domcontentloaded' });
    await tickets.waitFor({ state: 'visible' });
    await screenshot(page, 'analytics-admin-desktop.png', { fullPage: true });
    await page.setViewportSize(PHONE);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await tickets.waitFor({ state: 'visible' });
    await expectNoOverflow(page, 'the admin dashboard on a phone');
    await expectBars(page, 'the admin dashboard on a phone');
    await screenshot(page, 'analytics-admin-phone.png', { fullPage: true });
    expectNoErrors(page, 'the admin dashboard');
  });
});

test('who may see the dashboards: admins only, the event’s own organizer only, signed in only', { timeout: TIMEOUT }, async () => {
  const f = await setup();

  await withPage(env.browser, {}, 'analytics-organizer-admin', async (page) => {
    await signInTo(page, f.organizer, '/admin/analytics');
    await page.getByRole('heading', { level: 1, name: 'Admins only' }).waitFor();
    assert.equal(await page.locator('.stat[data-key]').count(), 0, 'no figures for an organizer');
    expectNoErrors(page, 'an organizer on /admin/analytics');
  });

  await withPage(env.browser, {}, 'analytics-other-organizer', async (page) => {
    await signInTo(page, DEMO_ORGANIZER, '/organizer');
    const res = await page.goto(`${env.server.url}${f.path}`, { waitUntil: 'domcontentloaded' });
    assert.equal(res.status(), 404, 'another organizer\'s event dashboard answers 404');
    await page.getByRole('heading', { level: 1, name: "We couldn't find that page" }).waitFor();
    assert.equal(await page.locator('#live-sales').count(), 0, 'no figures');
    assert.doesNotMatch(await page.locator('main').innerText(), new RegExp(f.event.title), 'not even the title');
    // The only error Chromium reports here is the 404 of the page itself.
    const errors = page.errors.filter((e) => !(e.type === 'console' && /status of 404/.test(e.text) && e.url.endsWith(f.path)));
    assert.equal(errors.length, 0, describeErrors(page, errors));
  });

  await withPage(env.browser, {}, 'analytics-signed-out', async (page) => {
    for (const p of ['/admin/analytics', f.path]) {
      await page.goto(`${env.server.url}${p}`, { waitUntil: 'domcontentloaded' });
      await page.waitForURL((u) => u.pathname === '/signin', { timeout: 15_000 });
      assert.equal(await page.locator('#live-sales, .stat[data-key]').count(), 0, `no figures at ${p} signed out`);
    }
    expectNoErrors(page, 'signed out');
  });
});
