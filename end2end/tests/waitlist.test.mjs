// The waitlist in the browser. Every test makes its own small event through the REST API
// (one ticket type of 1 or 2 seats, published by the demo organizer) and sells it out by
// booking through the API, so the event page shows the sold-out slot:
//   1. with JavaScript: join for 2, see the place; a cancellation (API) turns the place into
//      "Seats are held for you" on the open page without a reload; My bookings shows the
//      offer's countdown and "Book 2 tickets", which lands on the new booking;
//   2. without JavaScript: join and leave are plain form posts;
//   3. signed out: "Join the waitlist" goes to sign-in, which says why;
//   4. the waiting count follows other people joining and leaving (API), live;
//   5. the sold-out row (the form, and the place once joined) fits 390 px and 320 px screens;
//   6. keyboard only: Tab reaches the quantity (which has a name) and the button, Enter joins
//      (and, on the next page, Enter on "Leave the waitlist" leaves); and a live change of the
//      waiting count while someone is choosing must not take their focus or their choice away;
//   7. the organizer's dashboard shows the queue's count, and pausing shows "Paused".

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeErrors, screenshot, waitForHydration, withPage } from '../lib/browser.mjs';
import { DEMO_ORGANIZER, arrive, expectSignedIn, newVisitor, readConfirmation, signIn } from '../lib/journey.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const TIMEOUT = 120_000;
/** How soon a change made elsewhere must show on an open page. */
const LIVE_MS = 3_000;

const env = serverAndBrowser({ timeout: 90_000 });

// ---------------------------------------------------------------------------------------
// The REST API

/** A JSON call; returns `{ status, body }` (body parsed when it is JSON, else the text). */
async function api(path, { method = 'GET', token, body, headers = {} } = {}) {
  const res = await fetch(`${env.server.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

/** Asserts the status of an API answer and returns its body. */
function expectStatus(res, status, what) {
  assert.equal(res.status, status, `${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Signs in through the API; returns the access token. */
async function apiLogin(account) {
  const body = expectStatus(await api('/api/v1/auth/login', { method: 'POST', body: account }), 200, `API sign-in of ${account.email}`);
  return body.access_token;
}

/** A new account (registered through the API), with its Bearer token. */
async function newAccount(label) {
  const visitor = newVisitor(label);
  expectStatus(await api('/api/v1/auth/register', { method: 'POST', body: visitor }), 202, `registering ${visitor.email}`);
  return { ...visitor, token: await apiLogin(visitor) };
}

let organizerToken = null;
let buyer = null;

/**
 * A published event with one ticket type of `capacity` seats (at most 4 per booking), sold
 * out by one booking of every seat through the API. Returns its ids, the ticket type's name
 * and the booking that sold it out (cancel it with `cancelSellOut`).
 */
async function soldOutEvent(label, capacity, ticketName = 'Standing') {
  organizerToken ??= await apiLogin(DEMO_ORGANIZER);
  buyer ??= await newAccount('Waitlist Buyer');
  const start = Date.now() + 10 * 86_400_000;
  const event = expectStatus(
    await api('/api/v1/events', {
      method: 'POST',
      token: organizerToken,
      body: {
        title: `Waitlist ${label} ${Date.now().toString(36)}`,
        description: 'A small room that sells out, for the waitlist browser tests.',
        venue: 'Back room',
        city: 'Berlin',
        category: 'music',
        starts_at: new Date(start).toISOString(),
        ends_at: new Date(start + 3 * 3_600_000).toISOString(),
        ticket_types: [{ name: ticketName, price_cents: 0, capacity, max_per_booking: 4 }],
      },
    }),
    201,
    'creating the event',
  );
  expectStatus(await api(`/api/v1/events/${event.id}/publish`, { method: 'POST', token: organizerToken }), 200, 'publishing the event');
  const ticketTypeId = event.ticket_types[0].id;
  const booking = expectStatus(
    await api(`/api/v1/events/${event.id}/bookings`, {
      method: 'POST',
      token: buyer.token,
      headers: { 'Idempotency-Key': `sell-out-${event.id}` },
      body: { ticket_type_id: ticketTypeId, quantity: capacity },
    }),
    201,
    'selling the event out',
  );
  return { id: event.id, slug: event.slug, ticketTypeId, name: ticketName, bookingId: booking.id, path: `/events/${event.slug}` };
}

/** The buyer cancels the booking that sold the event out: its seats come back. */
async function cancelSellOut(ev) {
  expectStatus(await api(`/api/v1/bookings/${ev.bookingId}/cancel`, { method: 'POST', token: buyer.token, body: {} }), 200, 'cancelling the sold-out booking');
}

/** `account` joins the event's waitlist through the API; returns the entry. */
async function joinByApi(account, ev, quantity) {
  const entry = expectStatus(
    await api(`/api/v1/events/${ev.id}/waitlist`, { method: 'POST', token: account.token, body: { ticket_type_id: ev.ticketTypeId, quantity } }),
    201,
    `${account.name} joins the waitlist`,
  );
  assert.equal(entry.status, 'waiting');
  return entry;
}

/** `account`'s waitlist entries for the event (GET /api/v1/me/waitlist). */
async function myEntries(account, ev) {
  const list = expectStatus(await api('/api/v1/me/waitlist', { token: account.token }), 200, 'GET /api/v1/me/waitlist');
  return list.filter((e) => e.event_id === ev.id);
}

// ---------------------------------------------------------------------------------------
// The browser

/** Signs `account` in through the /signin form and waits for `next`. */
async function signInTo(page, account, next) {
  await page.goto(`${env.server.url}/signin?next=${encodeURIComponent(next)}`, { waitUntil: 'domcontentloaded' });
  await signIn(page, account);
  const path = next.split(/[?#]/)[0];
  await page.waitForURL((u) => u.pathname === path, { timeout: 30_000 });
  await expectSignedIn(page);
}

/** The sold-out slot of the event's ticket type. */
function slotOf(page, ev) {
  return page.locator(`li.ticket-row[data-ticket-type="${ev.ticketTypeId}"] div.waitlist-slot[data-waitlist="${ev.ticketTypeId}"]`);
}

/**
 * Keeps the live socket's messages (parsed JSON) of the current document in `page.liveFrames`,
 * as Chromium received them. Call before the first navigation.
 */
function trackLive(page) {
  page.liveFrames = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) page.liveFrames = [];
  });
  page.on('websocket', (ws) => {
    if (!new URL(ws.url()).pathname.endsWith('/api/v1/live')) return;
    ws.on('framereceived', (frame) => {
      try {
        page.liveFrames.push(JSON.parse(String(frame.payload)));
      } catch {
        // not JSON: not ours
      }
    });
  });
}

/** Polls `check()` every 50 ms until it is true, for at most `timeout` ms. */
async function until(check, timeout, what) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens the event page (JavaScript on) and waits until the picker and its live socket run. */
async function openEventLive(page, ev, signedIn = false) {
  await page.goto(`${env.server.url}${ev.path}`, { waitUntil: 'domcontentloaded' });
  await readyLive(page, ev, signedIn);
}

/**
 * The picker island has run, the live socket is connected and its first messages for this
 * page have arrived and been drawn: the ticket type's `snapshot` and, for a signed-in
 * visitor, their `waitlist` entries. (The page redraws the slot's forms when these arrive,
 * see the last keyboard test, so a test that types into them waits for them first.)
 */
async function readyLive(page, ev, signedIn) {
  await waitForHydration(page);
  await page.locator('section#tickets[data-ready="true"]').waitFor({ state: 'attached', timeout: 20_000 });
  await page.locator('#tickets .live-indicator:not(.offline)').waitFor({ state: 'visible', timeout: 10_000 });
  const seen = (type, more = () => true) => page.liveFrames.some((m) => m.type === type && more(m));
  await until(
    () => seen('snapshot', (m) => m.ticket_type_id === ev.ticketTypeId) && (!signedIn || seen('waitlist')),
    10_000,
    `the live socket's first messages (${JSON.stringify(page.liveFrames.map((m) => m.type))})`,
  );
  // Two animation frames: the messages have been applied and drawn.
  await Promise.race([
    page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))),
    new Promise((_, reject) => setTimeout(() => reject(new Error('no animation frame within 5 s')), 5_000)),
  ]);
}

/** `withPage` with the live socket's messages recorded (`trackLive`). */
function withLivePage(options, name, body) {
  return withPage(env.browser, options, name, async (page) => {
    trackLive(page);
    page.setDefaultTimeout(30_000);
    return body(page);
  });
}

/** The slot's waiting count: `data-waiting` and its words. */
async function waitingCount(slot) {
  const span = slot.locator('span[data-waiting]');
  return { n: Number(await span.getAttribute('data-waiting')), text: (await span.innerText()).trim() };
}

/** "1 person waiting", "3 people waiting". */
function waitingWords(n) {
  if (n === 0) return 'Nobody is waiting yet';
  return n === 1 ? '1 person waiting' : `${n} people waiting`;
}

/** Checks the sold-out slot's first line: "Sold out · <n waiting>". */
async function expectSoldOutSlot(slot, waiting) {
  await slot.waitFor({ state: 'visible' });
  const line = (await slot.locator('p', { has: slot.page().locator('span[data-waiting]') }).innerText()).replace(/\s+/g, ' ').trim();
  assert.match(line, /^Sold out · /, `the slot says it is sold out ("${line}")`);
  const count = await waitingCount(slot);
  assert.equal(count.n, waiting, `data-waiting is ${waiting}`);
  assert.equal(count.text, waitingWords(waiting), 'the count in words');
}

/** The visitor's own line in the slot ('' when they are not in the queue). */
async function placeText(slot) {
  const p = slot.locator('p.waitlist-place');
  if ((await p.count()) === 0) return '';
  return (await p.innerText()).replace(/\s+/g, ' ').trim();
}

/** Waits (bounded) until `selector`'s text inside the slot equals `expected`; returns how long it took. */
async function waitForSlotText(page, ev, selector, expected, timeout) {
  const started = Date.now();
  try {
    await page.waitForFunction(
      ([tt, sel, want]) => {
        const el = document.querySelector(`div.waitlist-slot[data-waitlist="${tt}"] ${sel}`);
        return !!el && el.textContent.replace(/\s+/g, ' ').trim() === want;
      },
      [String(ev.ticketTypeId), selector, expected],
      { timeout },
    );
  } catch (e) {
    const now = await page
      .evaluate(([tt, sel]) => document.querySelector(`div.waitlist-slot[data-waitlist="${tt}"] ${sel}`)?.textContent ?? null, [String(ev.ticketTypeId), selector])
      .catch(() => '?');
    throw new Error(`"${selector}" in the slot did not read ${JSON.stringify(expected)} within ${timeout} ms (it reads ${JSON.stringify(now)})`, { cause: e });
  }
  return Date.now() - started;
}

/** Records every load of the page's main frame (a reload or a navigation). */
function recordNavigations(page) {
  const loads = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) loads.push(f.url());
  });
  return loads;
}

/** No console or page errors on a page. */
function expectNoErrors(page, what) {
  assert.equal(page.errors.length, 0, `${what}: ${describeErrors(page)}`);
}

// ---------------------------------------------------------------------------------------

describe('the waitlist with JavaScript', () => {
  test('join for 2, an offer arrives live after a cancellation, book it from My bookings', { timeout: TIMEOUT }, async (t) => {
    const ev = await soldOutEvent('Offer', 2, 'Front room');
    const waiter = await newAccount('Waitlist Offer');
    await withLivePage({}, 'waitlist-offer', async (page) => {
      await signInTo(page, waiter, ev.path);
      await readyLive(page, ev, true);
      const slot = slotOf(page, ev);
      await expectSoldOutSlot(slot, 0);
      assert.equal(
        await page.locator(`li.ticket-row[data-ticket-type="${ev.ticketTypeId}"] p.badge[data-available]`).getAttribute('data-available'),
        '0',
        'the badge says 0 seats',
      );
      assert.equal(await placeText(slot), '', 'not in the queue yet');

      // Join for 2.
      await slot.locator('select[name=quantity]').selectOption('2');
      await slot.getByRole('button', { name: `Join the waitlist for ${ev.name}` }).click();
      await page.waitForURL((u) => u.pathname === ev.path && u.searchParams.get('waitlist') === 'joined', { timeout: 30_000 });
      assert.equal(new URL(page.url()).hash, '#tickets', 'back at the ticket picker');
      await readyLive(page, ev, true);
      await waitForSlotText(page, ev, 'p.waitlist-place', 'You are number 1 in the queue for 2 tickets.', 10_000);
      await waitForSlotText(page, ev, 'span[data-waiting]', '1 person waiting', 10_000);
      assert.equal(await slot.getByRole('button', { name: 'Leave the waitlist' }).count(), 1, 'a way out of the queue');
      assert.equal(await slot.locator('select[name=quantity]').count(), 0, 'no join form once in the queue');
      const [entry] = await myEntries(waiter, ev);
      assert.ok(entry, 'the API has the entry');
      assert.deepEqual([entry.status, entry.position, entry.quantity], ['waiting', 1, 2], 'the API agrees with the page');
      await screenshot(page, 'waitlist-joined.png');

      // The 2 seats come back: the page, left open, shows the offer without a reload.
      const loads = recordNavigations(page);
      const started = Date.now();
      await cancelSellOut(ev);
      await waitForSlotText(page, ev, 'p.waitlist-place', 'Seats are held for you: 2 tickets.', LIVE_MS - (Date.now() - started));
      t.diagnostic(`the offer showed on the open page ${Date.now() - started} ms after the cancellation was sent`);
      assert.deepEqual(loads, [], 'the page was not reloaded');
      const acceptLink = slot.getByRole('link', { name: 'Accept or decline' });
      assert.equal(await acceptLink.getAttribute('href'), '/bookings#waitlist');
      assert.equal(
        await page.locator(`li.ticket-row[data-ticket-type="${ev.ticketTypeId}"] p.badge[data-available]`).getAttribute('data-available'),
        '0',
        'the returned seats are not on public sale',
      );
      const offered = (await myEntries(waiter, ev))[0];
      assert.deepEqual([offered.status, offered.offered_quantity], ['offered', 2], 'the API has the offer');
      await screenshot(page, 'waitlist-offer-live.png');

      // My bookings: the offer with a countdown that goes down, and "Book 2 tickets".
      await acceptLink.click();
      await arrive(page, (u) => u.pathname === '/bookings', 'My bookings');
      const section = page.locator('section#waitlist');
      assert.equal((await section.getByRole('heading', { level: 2 }).innerText()).trim(), 'Waitlists');
      const card = section.locator(`article[data-entry-id="${entry.id}"]`);
      await card.waitFor({ state: 'visible' });
      assert.equal(await card.getAttribute('data-status'), 'offered');
      const held = async () => {
        const m = /Held for you for (\d+):(\d\d)/.exec(await card.innerText());
        assert.ok(m, `the offer shows "Held for you for M:SS" (${JSON.stringify(await card.innerText())})`);
        return Number(m[1]) * 60 + Number(m[2]);
      };
      const first = await held();
      assert.ok(first > 0, `time is left (${first} s)`);
      await page.waitForFunction(
        ([id, before]) => {
          const m = /Held for you for (\d+):(\d\d)/.exec(document.querySelector(`article[data-entry-id="${id}"]`)?.textContent ?? '');
          return m && Number(m[1]) * 60 + Number(m[2]) < before;
        },
        [String(entry.id), first],
        { timeout: 5_000 },
      );
      const second = await held();
      assert.ok(first - second <= 4, `the countdown goes down without jumping (${first} s, then ${second} s)`);
      assert.equal(await card.getByRole('button', { name: 'Decline', exact: true }).count(), 1, 'the offer can be declined');
      await screenshot(page, 'waitlist-my-bookings-offer.png');
      await card.getByRole('button', { name: 'Book 2 tickets', exact: true }).click();
      await arrive(page, /\/bookings\/\d+\?confirmed=1$/, 'the booking page');
      const { bookingId } = await readConfirmation(page, 2);
      const booked = (await myEntries(waiter, ev))[0];
      assert.equal(booked.status, 'booked', 'the entry is booked');
      assert.equal(String(booked.booking_id), bookingId, 'the page is the booking the offer became');
      expectNoErrors(page, 'the offer journey');
    });
  });

  test('the waiting count follows other people joining and leaving, without a reload', { timeout: TIMEOUT }, async (t) => {
    const ev = await soldOutEvent('Count', 1, 'Balcony');
    const [viewer, ann, bob] = [await newAccount('Waitlist Viewer'), await newAccount('Waitlist Ann'), await newAccount('Waitlist Bob')];
    await withLivePage({}, 'waitlist-count', async (page) => {
      await signInTo(page, viewer, ev.path);
      await readyLive(page, ev, true);
      const slot = slotOf(page, ev);
      await expectSoldOutSlot(slot, 0);
      const loads = recordNavigations(page);

      let started = Date.now();
      const annEntry = await joinByApi(ann, ev, 1);
      await waitForSlotText(page, ev, 'span[data-waiting]', '1 person waiting', LIVE_MS - (Date.now() - started));
      t.diagnostic(`count 0 → 1 on the open page after ${Date.now() - started} ms`);
      assert.equal((await waitingCount(slot)).n, 1, 'data-waiting follows');

      started = Date.now();
      await joinByApi(bob, ev, 2);
      await waitForSlotText(page, ev, 'span[data-waiting]', '2 people waiting', LIVE_MS - (Date.now() - started));
      assert.equal((await waitingCount(slot)).n, 2, 'data-waiting follows');

      started = Date.now();
      expectStatus(await api(`/api/v1/waitlist/${annEntry.id}`, { method: 'DELETE', token: ann.token }), 200, 'Ann leaves');
      await waitForSlotText(page, ev, 'span[data-waiting]', '1 person waiting', LIVE_MS - (Date.now() - started));

      assert.deepEqual(loads, [], 'the page was not reloaded');
      // Other people's places are theirs: the viewer is still offered the form.
      assert.equal(await placeText(slot), '', 'the viewer has no place');
      assert.equal(await slot.getByRole('button', { name: `Join the waitlist for ${ev.name}` }).count(), 1, 'the viewer can still join');
      expectNoErrors(page, 'the live count');
    });
  });

  test('signed out, "Join the waitlist" goes to sign-in, which says why and brings them back', { timeout: TIMEOUT }, async () => {
    const ev = await soldOutEvent('Signed out', 1, 'Stalls');
    const person = await newAccount('Waitlist Later');
    await withLivePage({}, 'waitlist-signed-out', async (page) => {
      await openEventLive(page, ev);
      const slot = slotOf(page, ev);
      await expectSoldOutSlot(slot, 0);
      await slot.getByRole('button', { name: `Join the waitlist for ${ev.name}` }).click();
      const url = await arrive(page, (u) => u.pathname === '/signin', 'the sign-in page');
      assert.equal(url.searchParams.get('why'), 'waitlist', `sign-in knows why (${url})`);
      assert.equal(url.searchParams.get('next'), `${ev.path}#tickets`, `sign-in brings the visitor back to the tickets (${url})`);
      const notice = page.locator('.notice.info');
      assert.match(await notice.innerText(), /Sign in to join the waitlist/, 'the notice says why sign-in appeared');
      assert.match(await notice.innerText(), /not in the queue yet/, 'and that nothing happened yet');
      const other = page.getByRole('link', { name: 'Create an account' });
      const otherUrl = new URL(await other.getAttribute('href'), page.url());
      assert.equal(otherUrl.searchParams.get('why'), 'waitlist', '"Create an account" keeps why');
      assert.equal(otherUrl.searchParams.get('next'), `${ev.path}#tickets`, '"Create an account" keeps next');
      await screenshot(page, 'waitlist-signin.png');

      // Signing in brings the visitor back to the event, not yet in the queue.
      await signIn(page, person);
      await arrive(page, (u) => u.pathname === ev.path, 'the event page, signed in');
      await expectSignedIn(page);
      await readyLive(page, ev, true);
      assert.equal(await placeText(slot), '', 'not in the queue before the next click');
      assert.equal(await slot.getByRole('button', { name: `Join the waitlist for ${ev.name}` }).count(), 1, 'the join button is back');
      assert.deepEqual(await myEntries(person, ev), [], 'signing in joined nothing');
      expectNoErrors(page, 'signed out join');
    });
  });
});

describe('the waitlist without JavaScript', () => {
  test('join and leave are plain form posts', { timeout: TIMEOUT }, async () => {
    const ev = await soldOutEvent('No script', 1, 'Gallery');
    const [first, person] = [await newAccount('Waitlist First'), await newAccount('Waitlist No Script')];
    await joinByApi(first, ev, 1);
    await withPage(env.browser, { javaScriptEnabled: false }, 'waitlist-nojs', async (page) => {
      page.setDefaultTimeout(30_000);
      await signInTo(page, person, ev.path);
      assert.equal(await page.locator('body[data-hydrated]').count(), 0, 'nothing hydrates without JavaScript');
      const slot = slotOf(page, ev);
      await expectSoldOutSlot(slot, 1);
      assert.equal(await placeText(slot), '', 'not in the queue yet');
      const select = slot.locator('select[name=quantity]');
      assert.deepEqual(await select.evaluate((s) => [...s.options].map((o) => o.value)), ['1', '2', '3', '4'], 'up to the per-booking maximum');
      await select.selectOption('2');
      await slot.getByRole('button', { name: `Join the waitlist for ${ev.name}` }).click();
      await page.waitForURL((u) => u.pathname === ev.path && u.searchParams.get('waitlist') === 'joined');
      assert.equal(new URL(page.url()).hash, '#tickets');
      assert.equal(await placeText(slot), 'You are number 2 in the queue for 2 tickets.', 'the place shows after the redirect');
      assert.equal((await waitingCount(slot)).text, '2 people waiting');
      const [entry] = await myEntries(person, ev);
      assert.deepEqual([entry?.status, entry?.position, entry?.quantity], ['waiting', 2, 2], 'the API has the entry');
      await screenshot(page, 'waitlist-nojs-joined.png');

      await slot.getByRole('button', { name: 'Leave the waitlist' }).click();
      await page.waitForURL((u) => u.pathname === ev.path && !u.searchParams.has('waitlist'));
      assert.equal(await placeText(slot), '', 'the place is gone');
      assert.equal((await waitingCount(slot)).text, '1 person waiting', 'one person fewer waiting');
      assert.equal(await slot.getByRole('button', { name: `Join the waitlist for ${ev.name}` }).count(), 1, 'the join form is back');
      assert.equal((await myEntries(person, ev))[0]?.status, 'left', 'the API has the entry as left');
    });
  });
});

describe('the sold-out row on small screens', () => {
  for (const width of [390, 320]) {
    test(`the waitlist form and the place fit a ${width} px screen`, { timeout: TIMEOUT }, async () => {
      const ev = await soldOutEvent(`Narrow ${width}`, 1, 'Upper circle, restricted view');
      const person = await newAccount(`Waitlist Narrow ${width}`);
      await joinByApi(person, ev, 2);
      await withLivePage({ viewport: { width, height: 740 }, isMobile: true, hasTouch: true }, `waitlist-${width}`, async (page) => {
        const row = page.locator(`li.ticket-row[data-ticket-type="${ev.ticketTypeId}"]`);
        const fits = async (what) => {
          const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
          const inner = await page.evaluate(() => window.innerWidth);
          assert.ok(scroll <= inner && scroll <= width, `${what}: the page is ${scroll} px wide on a ${width} px screen (innerWidth ${inner})`);
          // Every visible part of the row is on screen.
          const outside = await row.evaluate((li, w) =>
            [li, ...li.querySelectorAll('*')]
              .map((el) => ({ el, r: el.getBoundingClientRect() }))
              .filter(({ r }) => r.width > 1 && r.height > 1)
              .filter(({ r }) => r.left < -0.5 || r.right > w + 0.5)
              .map(({ el, r }) => `${el.tagName.toLowerCase()}.${el.className} [${Math.round(r.left)}, ${Math.round(r.right)}]`),
          width);
          assert.deepEqual(outside, [], `${what}: parts of the sold-out row are off screen`);
        };

        // Signed out: the join form.
        await openEventLive(page, ev);
        const slot = slotOf(page, ev);
        await expectSoldOutSlot(slot, 1);
        await slot.getByRole('button', { name: `Join the waitlist for ${ev.name}` }).waitFor({ state: 'visible' });
        await slot.locator('select[name=quantity]').waitFor({ state: 'visible' });
        await row.scrollIntoViewIfNeeded();
        await screenshot(page, `waitlist-form-${width}.png`);
        await fits('the join form');

        // Signed in and in the queue: the place and "Leave the waitlist".
        await signInTo(page, person, ev.path);
        await readyLive(page, ev, true);
        await waitForSlotText(page, ev, 'p.waitlist-place', 'You are number 1 in the queue for 2 tickets.', 10_000);
        await slot.getByRole('button', { name: 'Leave the waitlist' }).waitFor({ state: 'visible' });
        await row.scrollIntoViewIfNeeded();
        await screenshot(page, `waitlist-place-${width}.png`);
        await fits('the place in the queue');
        expectNoErrors(page, `${width} px`);
      });
    });
  }
});

describe('the waitlist by keyboard', () => {
  /** What has focus: tag, id, accessible-ish text. */
  const focused = (page) =>
    page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return { tag: 'body', id: '', text: '' };
      return {
        tag: el.tagName.toLowerCase(),
        id: el.id,
        text: (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 80),
        inSlot: !!el.closest('div.waitlist-slot'),
      };
    });
  const tabTo = async (page, predicate, what, max = 80) => {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (predicate(f)) return f;
    }
    throw new Error(`Tab never reached ${what} in ${max} presses (last: ${JSON.stringify(await focused(page))})`);
  };

  test('Tab reaches the named quantity and the button, Enter joins and Enter leaves', { timeout: TIMEOUT }, async () => {
    const ev = await soldOutEvent('Keyboard', 1, 'Terrace');
    const person = await newAccount('Waitlist Keyboard');
    await withLivePage({}, 'waitlist-keyboard', async (page) => {
      await signInTo(page, person, ev.path);
      await readyLive(page, ev, true);
      const slot = slotOf(page, ev);
      await expectSoldOutSlot(slot, 0);

      // The quantity has an accessible name, and it is the select Tab reaches.
      const named = page.getByRole('combobox', { name: `Number of ${ev.name} tickets to wait for`, exact: true });
      assert.equal(await named.count(), 1, 'the waitlist quantity has an accessible name');
      const namedId = await named.getAttribute('id');
      await page.evaluate(() => document.activeElement?.blur());
      const select = await tabTo(page, (f) => f.tag === 'select' && f.inSlot, 'the waitlist quantity');
      assert.equal(select.id, namedId, 'Tab reaches the named select');
      await page.keyboard.press('ArrowDown');
      assert.equal(await named.inputValue(), '2', 'ArrowDown chooses 2');
      const button = await tabTo(page, (f) => f.tag === 'button', 'the join button', 1);
      assert.equal(button.text, `Join the waitlist for ${ev.name}`, 'the next Tab is the join button');
      await page.keyboard.press('Enter');

      await page.waitForURL((u) => u.pathname === ev.path && u.searchParams.get('waitlist') === 'joined', { timeout: 30_000 });
      await readyLive(page, ev, true);
      await waitForSlotText(page, ev, 'p.waitlist-place', 'You are number 1 in the queue for 2 tickets.', 10_000);
      const [entry] = await myEntries(person, ev);
      assert.deepEqual([entry?.status, entry?.quantity], ['waiting', 2], 'joined for 2 by keyboard');

      // And out again, by keyboard.
      await page.evaluate(() => document.activeElement?.blur());
      await tabTo(page, (f) => f.tag === 'button' && f.inSlot && f.text === 'Leave the waitlist', '"Leave the waitlist"');
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname === ev.path && !u.searchParams.has('waitlist'), { timeout: 30_000 });
      await readyLive(page, ev, true);
      await slot.locator('select[name=quantity]').waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await placeText(slot), '', 'the place is gone');
      assert.equal((await myEntries(person, ev))[0]?.status, 'left', 'left by keyboard');
      expectNoErrors(page, 'keyboard');
    });
  });

  test('someone else joining keeps the keyboard focus and the chosen quantity in the join form', { timeout: TIMEOUT }, async () => {
    const ev = await soldOutEvent('Focus', 1, 'Mezzanine');
    const [person, other] = [await newAccount('Waitlist Focus'), await newAccount('Waitlist Focus Other')];
    await withLivePage({}, 'waitlist-focus', async (page) => {
      await signInTo(page, person, ev.path);
      await readyLive(page, ev, true);
      const slot = slotOf(page, ev);
      await expectSoldOutSlot(slot, 0);
      await page.evaluate(() => document.activeElement?.blur());
      const select = await tabTo(page, (f) => f.tag === 'select' && f.inSlot, 'the waitlist quantity');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.locator(`#${select.id}`).inputValue(), '3', 'the visitor chose 3');

      // While they are about to Tab to the button, someone else joins: the count changes live.
      const started = Date.now();
      await joinByApi(other, ev, 1);
      await waitForSlotText(page, ev, 'span[data-waiting]', '1 person waiting', LIVE_MS - (Date.now() - started));
      const now = await page.evaluate(() => ({
        focus: document.activeElement === document.body ? 'body' : `${document.activeElement?.tagName.toLowerCase()}#${document.activeElement?.id}`,
        value: document.querySelector('div.waitlist-slot select[name=quantity]')?.value ?? null,
      }));
      assert.deepEqual(
        now,
        { focus: `select#${select.id}`, value: '3' },
        'after the live count changed, focus is still on the quantity and 3 is still chosen',
      );
    });
  });
});

describe('the organizer', () => {
  test('the dashboard shows the queue, and pausing it shows "Paused"', { timeout: TIMEOUT }, async () => {
    const ev = await soldOutEvent('Organizer', 1, 'Dance floor');
    const [ann, bob] = [await newAccount('Waitlist Org Ann'), await newAccount('Waitlist Org Bob')];
    await joinByApi(ann, ev, 1);
    await joinByApi(bob, ev, 3);
    const queue = async () => {
      const list = expectStatus(await api(`/api/v1/events/${ev.id}/waitlist/queues`, { token: organizerToken }), 200, 'the queues');
      const q = list.find((x) => x.ticket_type_id === ev.ticketTypeId);
      assert.ok(q, 'the API lists the queue');
      return q;
    };
    assert.equal((await queue()).waiting, 2, 'two people wait (API)');

    await withPage(env.browser, {}, 'waitlist-organizer', async (page) => {
      page.setDefaultTimeout(30_000);
      const dashboard = `/organizer/events/${ev.id}`;
      await signInTo(page, DEMO_ORGANIZER, dashboard);
      const section = page.locator('section#waitlist');
      await section.waitFor({ state: 'visible' });
      assert.equal((await section.getByRole('heading', { level: 2 }).innerText()).trim(), 'Waitlist');
      const row = section.locator(`tr[data-ticket-type="${ev.ticketTypeId}"]`);
      const read = async () => {
        await row.waitFor({ state: 'visible' });
        const table = section.locator('table', { has: page.locator(`tr[data-ticket-type="${ev.ticketTypeId}"]`) });
        // textContent: the headings are upper-cased by the style sheet.
        const headers = (await table.locator('thead th').allTextContents()).map((h) => h.replace(/\s+/g, ' ').trim());
        const cells = (await row.locator('th, td').allInnerTexts()).map((c) => c.replace(/\s+/g, ' ').trim());
        const col = (name) => {
          const i = headers.indexOf(name);
          assert.ok(i >= 0, `the waitlist table has a "${name}" column (${headers.join(', ')})`);
          return cells[i];
        };
        return { name: col('Ticket type'), waiting: col('Waiting'), offersOut: col('Offers out'), setAside: col('Seats set aside'), offers: col('Offers'), queue: col('Queue') };
      };
      let r = await read();
      assert.equal(r.name, ev.name);
      assert.equal(r.waiting, '2', 'Waiting is 2');
      assert.equal(r.offersOut, '0', 'no offers out');
      assert.equal(r.setAside, '0', 'no seats set aside');
      assert.doesNotMatch(r.queue, /Paused/, `the queue is open (${r.queue})`);
      await screenshot(page, 'waitlist-organizer.png', { fullPage: true });

      // Pause: a plain form post, a full page load, and the tag.
      const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 30_000 });
      await row.getByRole('button', { name: `Pause ${ev.name}`, exact: true }).click();
      await reloaded;
      await page.waitForLoadState('load');
      assert.equal(new URL(page.url()).pathname, dashboard, 'back on the dashboard');
      await row.getByRole('button', { name: `Resume ${ev.name}`, exact: true }).waitFor({ state: 'visible' });
      r = await read();
      assert.match(r.queue, /\bPaused\b/, `the queue shows "Paused" (${r.queue})`);
      assert.equal(await row.locator('.tag', { hasText: 'Paused' }).count(), 1, 'a "Paused" tag');
      assert.equal(r.waiting, '2', 'pausing keeps the people in the queue');
      assert.equal((await queue()).paused, true, 'the API says paused');
      await screenshot(page, 'waitlist-organizer-paused.png', { fullPage: true });

      // Resume puts it back.
      await row.getByRole('button', { name: `Resume ${ev.name}`, exact: true }).click();
      await row.getByRole('button', { name: `Pause ${ev.name}`, exact: true }).waitFor({ state: 'visible' });
      r = await read();
      assert.doesNotMatch(r.queue, /Paused/, `the queue is open again (${r.queue})`);
      assert.equal((await queue()).paused, false, 'the API says open');
    });
  });
});
