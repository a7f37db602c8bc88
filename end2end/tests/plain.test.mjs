// Before and without the browser code.
//
// The ticket picker before its island runs. On a slow phone the event page is on screen
// seconds before the browser code has loaded; the picker is a plain form until then, and a
// visitor who uses it in that time must get exactly what they chose:
//   1. a quantity chosen before hydration is still chosen after it, and "Book" then holds
//      that many seats (the island's in-place booking);
//   2. "Book" clicked before hydration posts the form itself and lands on checkout with the
//      chosen quantity (the browser code never arrives in that case).
// "Before hydration" is made certain, not left to timing: the wasm bundle's request is held
// at the network layer until the test lets it go.
//
// Without JavaScript at all, the whole journey: sign in, book 2, name them, reserve, find the
// booking, cancel it through the confirmation page ("Cancel booking…" is a link to it), and
// see it listed as cancelled.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DESKTOP, PHONE, screenshot, waitForHydration, withPage } from '../lib/browser.mjs';
import { DEMO_ATTENDEE, arrive, expectSignedIn, newVisitor, signIn, signInAfterSignUp } from '../lib/journey.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const TIMEOUT = 120_000;

const env = serverAndBrowser({ timeout: 90_000 });

/** Published events (slugs) with seats left, from the public API. */
async function eventsWithSeats() {
  const res = await fetch(`${env.server.url}/api/v1/events?available=true&limit=50`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  const { items } = await res.json();
  return items.filter((i) => i.status === 'published' && i.available >= 4).map((i) => i.slug);
}

/**
 * Holds every request for the wasm bundle until the returned `release()` is called; `held()`
 * resolves once the browser has asked for it.
 */
async function holdWasm(page) {
  let letGo;
  const gate = new Promise((r) => (letGo = r));
  let asked;
  const askedFor = new Promise((r) => (asked = r));
  await page.route(/\/pkg\/.*\.wasm$/, async (route) => {
    asked();
    await gate;
    await route.continue().catch(() => {});
  });
  return { held: () => askedFor, release: () => letGo() };
}

/** Signs the demo attendee in. */
async function signInAsAttendee(page) {
  await page.goto(`${env.server.url}/signin`);
  await signIn(page, DEMO_ATTENDEE);
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: 30_000 });
  await expectSignedIn(page);
}

/** Opens the event page with the wasm held; returns the first bookable row's select and Book button. */
async function openUnhydrated(page, slug) {
  const wasm = await holdWasm(page);
  await page.goto(`${env.server.url}/events/${slug}`, { waitUntil: 'domcontentloaded' });
  await wasm.held();
  const row = page.locator('li.ticket-row[data-ticket-type]', { has: page.locator('select[name=quantity]') }).first();
  await row.waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.body.dataset.hydrated ?? null), null, 'the page is not hydrated yet');
  assert.equal(await page.locator('[data-ready] .ticket-list').count(), 0, 'the ticket picker island has not run');
  const select = row.locator('select[name=quantity]');
  const options = await select.evaluate((s) => [...s.options].map((o) => o.value));
  assert.ok(options.includes('2'), `the first bookable row offers 2 tickets (${options.join(', ')})`);
  return { wasm, row, select, ticketType: await row.getAttribute('data-ticket-type') };
}

/** On checkout: the hold is for `quantity` tickets; releases it so the seats go back. */
async function checkoutHolds(page, quantity) {
  const tickets = page.locator('dl.facts dd').first();
  assert.match(await tickets.innerText(), new RegExp(`^${quantity} × `), `checkout holds ${quantity} tickets`);
  await page.getByRole('button', { name: 'Cancel and release these seats' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/events/'), { timeout: 30_000 });
}

describe('the ticket picker before its island runs', () => {
  test('a quantity chosen before hydration is kept, and Book holds that many', { timeout: TIMEOUT }, async () => {
    const [slug] = await eventsWithSeats();
    assert.ok(slug, 'a demo event has seats left');
    await withPage(env.browser, { viewport: PHONE, isMobile: true, hasTouch: true }, 'early-choice', async (page) => {
      await signInAsAttendee(page);
      const { wasm, row, select } = await openUnhydrated(page, slug);
      await select.selectOption('2');
      assert.equal(await select.inputValue(), '2', 'the plain select takes the choice');
      wasm.release();
      await waitForHydration(page);
      await page.locator('[data-ready] .ticket-list').waitFor({ state: 'attached' });
      assert.equal(await select.inputValue(), '2', 'the choice is still 2 after the island took over');
      await row.getByRole('button', { name: /^Book\b/ }).click();
      await arrive(page, /\/checkout\/\d+$/, 'checkout');
      await checkoutHolds(page, 2);
    });
  });

  test('Book clicked before hydration posts the form and reaches checkout', { timeout: TIMEOUT }, async () => {
    const slugs = await eventsWithSeats();
    const slug = slugs[1] ?? slugs[0];
    assert.ok(slug, 'a demo event has seats left');
    await withPage(env.browser, { viewport: PHONE, isMobile: true, hasTouch: true }, 'early-book', async (page) => {
      await signInAsAttendee(page);
      const { wasm, row, select } = await openUnhydrated(page, slug);
      await select.selectOption('2');
      await row.getByRole('button', { name: /^Book\b/ }).click();
      // The browser posts the form itself: the next page is checkout, without the island.
      await page.waitForURL(/\/checkout\/\d+$/, { timeout: 30_000 });
      wasm.release();
      await waitForHydration(page);
      await checkoutHolds(page, 2);
    });
  });
});

describe('without JavaScript', () => {
  test('book, reserve, and cancel through the confirmation page', { timeout: TIMEOUT }, async () => {
    const slugs = await eventsWithSeats();
    const slug = slugs[2] ?? slugs[0];
    assert.ok(slug, 'a demo event has seats left');
    await withPage(env.browser, { viewport: DESKTOP, javaScriptEnabled: false }, 'nojs-journey', async (page) => {
      page.setDefaultTimeout(30_000);
      // A new account, so the booking list holds only this booking.
      const visitor = newVisitor('No Script');
      await page.goto(`${env.server.url}/signup`);
      await page.locator('#field-name').fill(visitor.name);
      await page.locator('#field-email').fill(visitor.email);
      await page.locator('#field-password').fill(visitor.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await signInAfterSignUp(page, visitor);
      await expectSignedIn(page);

      await page.goto(`${env.server.url}/events/${slug}`);
      const row = page.locator('li.ticket-row[data-ticket-type]', { has: page.locator('select[name=quantity]') }).first();
      await row.locator('select[name=quantity]').selectOption('2');
      await row.getByRole('button', { name: /^Book\b/ }).click();
      await page.waitForURL(/\/checkout\/\d+$/);
      assert.match(await page.locator('dl.facts dd').first().innerText(), /^2 × /, 'checkout holds 2 tickets');
      await page.locator('#attendee-0').fill('Ada Script-Free');
      await page.getByRole('button', { name: 'Reserve 2 tickets' }).click();
      await page.waitForURL(/\/bookings\/\d+\?confirmed=1$/);
      const code = /^Booking (\S+)$/.exec((await page.locator('h1').innerText()).trim())?.[1];
      assert.ok(code, 'the confirmation page names the booking');

      await page.goto(`${env.server.url}/bookings`);
      const link = page.getByRole('link', { name: `Cancel booking ${code}…` });
      await link.click();
      await page.waitForURL(/\/bookings\/\d+\/cancel$/);
      assert.equal((await page.locator('h1').innerText()).trim(), `Cancel booking ${code}?`);
      assert.match(await page.locator('main').innerText(), /cannot be undone/, 'the page says what cancelling means');
      await screenshot(page, 'nojs-cancel-confirm.png', { fullPage: true });
      // "Keep my booking" goes back and changes nothing.
      await page.getByRole('link', { name: 'Keep my booking' }).click();
      await page.waitForURL((u) => u.pathname === '/bookings');
      assert.equal(await page.locator('article.card[data-status="confirmed"]').count(), 1, 'still booked');
      await page.getByRole('link', { name: `Cancel booking ${code}…` }).click();
      await page.getByRole('button', { name: 'Yes, cancel booking' }).click();
      await page.waitForURL((u) => u.pathname === '/bookings' && u.searchParams.get('done') === 'cancelled');
      assert.match(await page.locator('.notice.success').innerText(), /cancelled/i);
      assert.equal(await page.locator('section[aria-labelledby="cancelled-b"] article.card[data-status="cancelled"]').count(), 1, 'listed under Cancelled');
      assert.equal(await page.locator('section[aria-labelledby="upcoming-b"] article.card').count(), 0, 'nothing left under Upcoming');
    });
  });
});
