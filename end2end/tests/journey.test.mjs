// The booking journey, end to end, on a desktop and on a phone: search from the home page,
// pick an event with seats, get sent to sign in, create an account, hold two seats, watch the
// countdown, confirm, find the booking in "My bookings", cancel it, and see the seats come back.
// Each viewport uses a fresh browser context and a new account, so the runs do not interfere.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  screenshot,
  waitForHydration,
  withPage,
} from '../lib/browser.mjs';
import {
  arrive,
  bookAsNewVisitor,
  cancellationCutoffMs,
  checkCountdown,
  escapeRegExp,
  fillNamesAndConfirm,
  firstTicketType,
  newVisitor,
  readConfirmation,
  seatsLeft,
} from '../lib/journey.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const TIMEOUT = 180_000;
const QUANTITY = 2;
/** Events the journey books start at least this far ahead, so they can be cancelled online. */
const MIN_LEAD_MS = 3 * 86_400_000;

const env = serverAndBrowser({ timeout: 90_000 });

/** The first word of at least three letters of `title` (what a visitor would type). */
function searchWordFrom(title) {
  const word = title.match(/[\p{L}\p{N}]{3,}/u)?.[0];
  assert.ok(word, `"${title}" has a word to search for`);
  return word;
}

async function journey(page, suffix, t) {
  // Every screenshot also checks that the page is not wider than the screen.
  const shot = async (name) => {
    await screenshot(page, `${name}${suffix}.png`, { fullPage: true });
    const width = page.viewportSize().width;
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scrollWidth <= width, `${name}: the page is wider than the screen (${scrollWidth}px > ${width}px)`);
  };
  const visitor = newVisitor(suffix ? 'Journey Phone' : 'Journey Desktop');
  page.setDefaultTimeout(30_000);

  // 1. Home: take a word from a real event title and search for it with the hero form.
  const home = await page.goto(`${env.server.url}/`);
  assert.equal(home.status(), 200);
  await waitForHydration(page);
  // The first card far enough ahead that a booking can still be cancelled (the soonest
  // events are inside their free-cancellation window).
  const cards = await page.locator('article.event-card').evaluateAll((els) =>
    els.map((el) => ({ title: el.querySelector('h3 a')?.textContent.trim() ?? '', starts: el.querySelector('time[datetime]')?.getAttribute('datetime') ?? '' })),
  );
  assert.ok(cards.length > 0, 'the home page lists events');
  const picked = cards.find((c) => Date.parse(c.starts) - Date.now() > MIN_LEAD_MS);
  assert.ok(picked, `a home page event starts more than ${MIN_LEAD_MS / 86_400_000} days from now`);
  const firstTitle = picked.title;
  const word = searchWordFrom(firstTitle);
  t.diagnostic(`searching for "${word}" (from "${firstTitle}", ${picked.starts})`);
  await shot('home');
  const heroSearch = page.locator('form[role=search]').filter({ has: page.locator('input[name=q]') }).first();
  await heroSearch.locator('input[name=q]').fill(word);
  await heroSearch.getByRole('button', { name: 'Search' }).click();

  // 2. Search results.
  const searchUrl = await arrive(page, /\/search\?/, 'the search results');
  assert.equal(searchUrl.searchParams.get('q'), word, 'the query is in the URL');
  assert.match(await page.locator('h1').innerText(), new RegExp(escapeRegExp(word)), 'the heading names the query');
  const resultLinks = page.locator('article.event-card h3 a');
  await resultLinks.first().waitFor({ state: 'visible' });
  const results = await page.locator('article.event-card').evaluateAll((els) =>
    els.map((el) => ({
      title: el.querySelector('h3 a').textContent.trim(),
      href: el.querySelector('h3 a').getAttribute('href'),
      starts: el.querySelector('time[datetime]')?.getAttribute('datetime') ?? '',
    })),
  );
  assert.ok(results.length > 0, 'the search finds events');
  assert.ok(
    results.some((r) => r.title.toLowerCase().includes(word.toLowerCase())),
    `a result has "${word}" in its title: ${results.map((r) => r.title).join(' | ')}`,
  );
  if (!results.some((r) => r.title === firstTitle)) t.diagnostic(`NOTE: "${firstTitle}" is not on the first page of results`);
  assert.equal(await page.locator('aside.filters input[name=q]').inputValue(), word, 'the filters form shows the query');
  await shot('search');

  // 3. Open the first result whose first ticket type has at least QUANTITY seats left.
  let chosen = null;
  // It must also be far enough ahead to be cancelled online at the end of the journey.
  for (const [i, result] of results.entries()) {
    if (!(Date.parse(result.starts) - Date.now() > MIN_LEAD_MS)) {
      t.diagnostic(`skipping ${result.href}: starts ${result.starts}, too soon to cancel reliably`);
      continue;
    }
    await page.locator('article.event-card h3 a').nth(i).click();
    await arrive(page, (u) => u.pathname === result.href, `event page ${result.href}`);
    await page.getByRole('heading', { level: 2, name: 'Tickets' }).waitFor();
    const first = await firstTicketType(page);
    const cutoff = await cancellationCutoffMs(page);
    const cancellable = Date.parse(result.starts) - cutoff - Date.now() > 3_600_000;
    if (first.bookable && first.available >= QUANTITY && cancellable) {
      chosen = { ...result, slug: result.href.replace(/^\/events\//, ''), ticketTypeId: first.id, seats: first.available, badge: first.text };
      break;
    }
    t.diagnostic(`skipping ${result.href}: first ticket type has ${first.available} seats (${first.text}), cancellable: ${cancellable}`);
    await page.goBack();
    await arrive(page, /\/search\?/, 'the search results again');
    await page.locator('article.event-card h3 a').first().waitFor();
  }
  assert.ok(chosen, `one of the ${results.length} results has ${QUANTITY}+ seats left in its first ticket type`);
  const N = chosen.seats;
  t.diagnostic(`event ${chosen.href}, ticket type ${chosen.ticketTypeId}: "${chosen.badge}" (N = ${N})`);
  assert.equal((await page.locator('h1').innerText()).trim(), chosen.title, 'the event page shows the event');
  const options = await page
    .locator(`li.ticket-row[data-ticket-type="${chosen.ticketTypeId}"] select[name=quantity] option`)
    .allInnerTexts();
  assert.ok(options.map((o) => o.trim()).includes(String(QUANTITY)), `quantity ${QUANTITY} can be chosen (${options})`);
  // The price and the way to the tickets are in the first screen.
  await page.evaluate(() => window.scrollTo(0, 0));
  const cta = page.getByRole('link', { name: 'Choose tickets' });
  const box = await cta.boundingBox();
  const screen = page.viewportSize();
  assert.ok(box && box.y >= 0 && box.y + box.height <= screen.height, `"Choose tickets" is in the first screen (${JSON.stringify(box)}, screen ${screen.height})`);
  assert.match(await page.locator('.hero-price').innerText(), /\d|Free/, 'the price is next to it');
  await shot('event');

  // 4. Book while signed out → sign in → "Create an account" → back on the event → book again.
  await bookAsNewVisitor(page, { slug: chosen.slug, ticketTypeId: chosen.ticketTypeId, quantity: QUANTITY, visitor });

  // 5. Checkout: the countdown runs, two attendee names, confirm.
  await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
  assert.match(await page.locator('.card').first().innerText(), new RegExp(`${QUANTITY} ×`), `the summary says ${QUANTITY} tickets`);
  const countdown = await checkCountdown(page);
  t.diagnostic(`countdown ${countdown.first} → ${countdown.second}`);
  await shot('checkout');
  const names = [`Ada ${suffix ? 'Phone' : 'Desk'} Lovelace`, `Grace ${suffix ? 'Phone' : 'Desk'} Hopper`];
  const confirmLabel = await fillNamesAndConfirm(page, names);
  t.diagnostic(`clicked "${confirmLabel}"`);

  // 6. Confirmation.
  await arrive(page, /\/bookings\/\d+\?confirmed=1$/, 'the confirmation page');
  const booking = await readConfirmation(page, QUANTITY, names);
  t.diagnostic(`booking ${booking.code} (#${booking.bookingId}), tickets ${booking.ticketCodes.join(', ')}`);
  await shot('confirmation');

  // 7. "My bookings" from the header, find the booking, cancel it.
  const navLink = page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'My bookings' });
  await navLink.click();
  await arrive(page, (u) => u.pathname === '/bookings', '"My bookings"');
  await page.getByRole('heading', { level: 1, name: 'My bookings' }).waitFor();
  const card = page.locator(`article.card[data-booking-id="${booking.bookingId}"]`);
  await card.waitFor({ state: 'visible' });
  assert.equal(await card.getAttribute('data-status'), 'confirmed');
  const cardText = await card.innerText();
  assert.ok(cardText.includes(booking.code), `the card shows the booking code ${booking.code}`);
  assert.ok(cardText.includes(chosen.title), `the card shows the event title "${chosen.title}"`);
  assert.match(cardText, new RegExp(`${QUANTITY} ×`), `the card shows ${QUANTITY} tickets`);
  await shot('my-bookings');
  // Cancelling asks first, in a modal dialog: focus on the safe choice, Escape keeps the booking.
  const cancelLink = card.getByRole('link', { name: `Cancel booking ${booking.code}…` });
  await cancelLink.click();
  const dialog = page.getByRole('dialog', { name: `Cancel booking ${booking.code}?` });
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.innerText(), /cannot be undone/, 'the dialog says what cancelling means');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Keep my booking', 'focus starts on "Keep my booking"');
  await shot('cancel-dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal(await card.getAttribute('data-status'), 'confirmed', 'Escape keeps the booking');
  assert.equal(await cancelLink.evaluate((el) => el === document.activeElement), true, 'focus is back on "Cancel booking…"');
  await cancelLink.click();
  await dialog.getByRole('button', { name: 'Yes, cancel booking' }).click();
  await arrive(page, (u) => u.pathname === '/bookings' && u.searchParams.get('done') === 'cancelled', '"My bookings" after cancelling');
  const cancelledCard = page.locator(`section[aria-labelledby="cancelled-b"] article.card[data-booking-id="${booking.bookingId}"][data-status="cancelled"]`);
  await cancelledCard.waitFor();
  assert.equal((await cancelledCard.locator('.tag').innerText()).trim(), 'Cancelled', 'the card says Cancelled');
  assert.equal(await cancelledCard.getByRole('link', { name: /Cancel booking/ }).count(), 0, 'no cancel link any more');
  assert.equal(
    await page.locator(`section[aria-labelledby="upcoming-b"] article.card[data-booking-id="${booking.bookingId}"]`).count(),
    0,
    'a cancelled booking is not listed under Upcoming',
  );
  const notice = page.locator('.notice.success[role=status]');
  await notice.waitFor({ state: 'visible' });
  assert.match(await notice.innerText(), /cancelled/i);
  await shot('my-bookings-cancelled');

  // 8. The seats are back: from the booking's link, and after a full reload too.
  await cancelledCard.locator('h3 a').click();
  await arrive(page, (u) => u.pathname === chosen.href, 'the event page again');
  await page.getByRole('heading', { level: 2, name: 'Tickets' }).waitFor();
  const again = await seatsLeft(page, chosen.ticketTypeId);
  assert.equal(again.available, N, `seats left back at ${N} after cancelling ("${again.text}")`);
  assert.match(again.text, new RegExp(`\\b${N}\\b`));
  await page.reload();
  await waitForHydration(page);
  const reloaded = await seatsLeft(page, chosen.ticketTypeId);
  assert.equal(reloaded.available, N, `seats left still ${N} in the server-rendered page ("${reloaded.text}")`);

  assert.deepEqual(page.errors.map((e) => `[${e.type}] ${e.text} (${e.url})`), [], 'no console or page errors during the journey');
}

/** A fresh page per viewport (see withPage for what a failure leaves behind). */
function run(options, suffix, t) {
  return withPage(env.browser, options, `journey${suffix}`, (page) => journey(page, suffix, t));
}

describe('booking journey', () => {
  test('search, sign up, book 2, confirm, cancel (desktop 1280x800)', { timeout: TIMEOUT }, (t) =>
    run({ viewport: DESKTOP }, '', t),
  );

  test('search, sign up, book 2, confirm, cancel (phone 390x844)', { timeout: TIMEOUT }, (t) =>
    run({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, '-phone', t),
  );

  test('search, sign up, book 2, confirm, cancel (small phone 320x640)', { timeout: TIMEOUT }, (t) =>
    run({ viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, '-320', t),
  );
});
