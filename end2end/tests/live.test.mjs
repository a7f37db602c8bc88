// Live availability in the browser: two pages on the same event; holding seats in one
// changes the count in the other without a reload, over the page's WebSocket.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closePage, describeErrors, newPage, screenshot, waitForHydration } from '../lib/browser.mjs';
import { DEMO_ATTENDEE, DEMO_ORGANIZER, arrive, book, firstTicketType, seatsLeft, signIn } from '../lib/journey.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const env = serverAndBrowser();

test('a booking in one page changes the count in another without a reload', { timeout: 120_000 }, async () => {
  // The viewer: an anonymous visitor on an event page.
  const viewer = await newPage(env.browser);
  await viewer.goto(env.server.url + '/', { waitUntil: 'domcontentloaded' });
  await waitForHydration(viewer);
  const href = await viewer.locator('article.event-card h3 a').nth(3).getAttribute('href');
  await viewer.goto(env.server.url + href, { waitUntil: 'domcontentloaded' });
  await waitForHydration(viewer);
  const tt = await firstTicketType(viewer);
  assert.ok(tt.bookable && tt.available >= 3, `the event has seats (${tt.text})`);
  await viewer.locator('.live-indicator:not(.offline)').waitFor({ state: 'visible', timeout: 10_000 });
  const loads = [];
  viewer.on('framenavigated', (f) => { if (f === viewer.mainFrame()) loads.push(f.url()); });

  // The buyer: signed in, on the same event, holds 2 seats.
  const buyer = await newPage(env.browser);
  await buyer.goto(env.server.url + '/signin?next=' + encodeURIComponent(href), { waitUntil: 'domcontentloaded' });
  await signIn(buyer, DEMO_ATTENDEE);
  await arrive(buyer, new RegExp(href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$'), 'the event page');
  await book(buyer, tt.id, 2);
  await arrive(buyer, /\/checkout\/\d+$/, 'checkout');

  // The viewer's badge follows, with no navigation.
  const start = Date.now();
  await viewer.waitForFunction(
    ([id, expected]) => document.querySelector(`li.ticket-row[data-ticket-type="${id}"] p.badge[data-available]`)?.getAttribute('data-available') === String(expected),
    [tt.id, tt.available - 2],
    { timeout: 5_000 },
  );
  const took = Date.now() - start;
  const after = await seatsLeft(viewer, tt.id);
  assert.match(after.text, new RegExp(`\\b${tt.available - 2}\\b`), `the badge reads the new count (${after.text})`);
  assert.deepEqual(loads, [], 'the viewer page was not reloaded');
  console.log(`# the count changed on the other page ${took} ms after the hold was made`);
  await screenshot(viewer, 'live-other-page');

  // Releasing the hold gives the seats back on the viewer's page too.
  await buyer.getByRole('button', { name: 'Cancel and release these seats' }).click();
  await viewer.waitForFunction(
    ([id, expected]) => document.querySelector(`li.ticket-row[data-ticket-type="${id}"] p.badge[data-available]`)?.getAttribute('data-available') === String(expected),
    [tt.id, tt.available],
    { timeout: 5_000 },
  );
  for (const p of [viewer, buyer]) {
    assert.equal(p.errors.length, 0, describeErrors(p));
    await closePage(p);
  }
});

/** A published event with one ticket type of `capacity` seats, made through the API as the demo organizer. */
async function smallEvent(name, capacity, extra = {}) {
  const json = { 'content-type': 'application/json' };
  const login = await fetch(`${env.server.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify(DEMO_ORGANIZER) });
  assert.equal(login.status, 200, 'the demo organizer signs in');
  const auth = { ...json, authorization: `Bearer ${(await login.json()).access_token}` };
  const start = Date.now() + 10 * 86_400_000;
  const created = await fetch(`${env.server.url}/api/v1/events`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      title: `Live region check ${Date.now()}`,
      description: 'A small room, for the announcement test.',
      venue: 'Back room',
      city: 'Berlin',
      category: 'music',
      starts_at: new Date(start).toISOString(),
      ends_at: new Date(start + 3 * 3_600_000).toISOString(),
      ticket_types: [{ name, price_cents: 0, capacity }],
      ...extra,
    }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const event = await created.json();
  const published = await fetch(`${env.server.url}/api/v1/events/${event.id}/publish`, { method: 'POST', headers: auth });
  assert.equal(published.status, 200, await published.clone().text());
  return { slug: event.slug, ticketTypeId: event.ticket_types[0].id };
}

test('one status region says when a ticket type sells out and comes back, with its name', { timeout: 120_000 }, async () => {
  const name = 'Front row';
  const { slug, ticketTypeId } = await smallEvent(name, 3);
  const viewer = await newPage(env.browser);
  await viewer.goto(`${env.server.url}/events/${slug}`, { waitUntil: 'domcontentloaded' });
  await waitForHydration(viewer);
  await viewer.locator('.live-indicator:not(.offline)').waitFor({ state: 'visible', timeout: 10_000 });
  // One region for the picker; the badges themselves are quiet.
  assert.equal(await viewer.locator('#tickets [role=status]').count(), 1, 'one status region in the ticket picker');
  assert.equal(await viewer.locator('p.badge[aria-live]').count(), 0, 'no badge is a live region of its own');
  const region = viewer.locator('#tickets [role=status]');
  assert.equal((await region.innerText()).trim(), '', 'nothing is announced on arrival');

  const buyer = await newPage(env.browser);
  await buyer.goto(`${env.server.url}/signin?next=${encodeURIComponent(`/events/${slug}`)}`, { waitUntil: 'domcontentloaded' });
  await signIn(buyer, DEMO_ATTENDEE);
  await arrive(buyer, (u) => u.pathname === `/events/${slug}`, 'the event page');
  await book(buyer, ticketTypeId, 3);
  await arrive(buyer, /\/checkout\/\d+$/, 'checkout');
  await viewer.waitForFunction((el) => el.textContent.trim() === 'Front row: sold out', await region.elementHandle(), { timeout: 5_000 });

  await buyer.getByRole('button', { name: 'Cancel and release these seats' }).click();
  await viewer.waitForFunction(
    (el) => el.textContent.trim() === 'Front row: available again, only 3 seats left',
    await region.elementHandle(),
    { timeout: 5_000 },
  );
  for (const p of [viewer, buyer]) {
    assert.equal(p.errors.length, 0, describeErrors(p));
    await closePage(p);
  }
});

test('attendee names typed at checkout survive an expired hold', { timeout: 180_000 }, async () => {
  const { slug, ticketTypeId } = await smallEvent('Balcony', 5, { hold_minutes: 1 });
  const page = await newPage(env.browser);
  try {
    await page.goto(`${env.server.url}/signin?next=${encodeURIComponent(`/events/${slug}`)}`, { waitUntil: 'domcontentloaded' });
    await signIn(page, DEMO_ATTENDEE);
    await arrive(page, (u) => u.pathname === `/events/${slug}`, 'the event page');
    await book(page, ticketTypeId, 2);
    await arrive(page, /\/checkout\/\d+$/, 'checkout');
    await page.locator('#attendee-0').fill('Zoë Keep');
    await page.locator('#attendee-1').fill('Ana Keep');
    // The one-minute hold runs out (the countdown shows it), with the names typed.
    const retry = page.getByRole('link', { name: 'try again' });
    await retry.waitFor({ state: 'visible', timeout: 90_000 });
    await retry.click();
    await arrive(page, (u) => u.pathname === `/events/${slug}`, 'the event page again');
    await book(page, ticketTypeId, 2);
    await arrive(page, /\/checkout\/\d+$/, 'a new checkout');
    await page.waitForFunction(() => document.querySelector('#attendee-0')?.value === 'Zoë Keep', null, { timeout: 5_000 });
    assert.equal(await page.locator('#attendee-1').inputValue(), 'Ana Keep', 'both names are back');
    // Once booked, they are forgotten: the next checkout for the event starts empty.
    await page.getByRole('button', { name: 'Reserve 2 tickets' }).click();
    await arrive(page, /\/bookings\/\d+\?confirmed=1$/, 'the confirmation page');
    assert.match(await page.locator('main').innerText(), /Zoë Keep/, 'the tickets carry the kept names');
    await page.goto(`${env.server.url}/events/${slug}`);
    await waitForHydration(page);
    await book(page, ticketTypeId, 2);
    await arrive(page, /\/checkout\/\d+$/, 'a third checkout');
    await page.waitForTimeout(500);
    assert.equal(await page.locator('#attendee-0').inputValue(), '', 'names are not offered again after the booking');
    await page.getByRole('button', { name: 'Cancel and release these seats' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/events/'));
    assert.equal(page.errors.length, 0, describeErrors(page));
  } finally {
    await closePage(page);
  }
});
