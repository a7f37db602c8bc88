// Steps of the booking journey, shared by the journey, accessibility and organizer tests.
// Every step acts the way a visitor would (links, forms, buttons) and waits for what the
// visitor would wait for (the URL, then the content), never for a fixed time, except where
// time itself is what is being checked (the checkout countdown).

import assert from 'node:assert/strict';
import { waitForHydration } from './browser.mjs';

/** The password of every account the suite creates (the app asks for at least 10 characters). */
export const TEST_PASSWORD = 'correct-horse-battery-staple';

/** Demo accounts created by `seed-demo`. */
export const DEMO_ORGANIZER = { email: 'organizer@evently.test', password: 'evently-demo-2026' };
export const DEMO_ATTENDEE = { email: 'demo@evently.test', password: 'evently-demo-2026' };

let counter = 0;

/** A new, unique attendee identity (`label` ends up in the name and the e-mail address). */
export function newVisitor(label) {
  counter += 1;
  const id = `${Date.now().toString(36)}${process.pid.toString(36)}${counter}`;
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    name: `${label} Tester`,
    email: `e2e-${slug}-${id}@example.test`,
    password: TEST_PASSWORD,
  };
}

/** Escapes a string for use inside a RegExp. */
export function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits for the URL to match `pattern`, then for the app to hydrate. Returns the URL. */
export async function arrive(page, pattern, what) {
  try {
    await page.waitForURL(pattern, { timeout: 30_000 });
  } catch (e) {
    throw new Error(`expected to reach ${what} (${pattern}), but the browser is at ${page.url()}`, { cause: e });
  }
  await waitForHydration(page);
  return new URL(page.url());
}

/** `m:ss` → seconds. */
export function parseCountdown(text) {
  const m = /(\d+):(\d\d)/.exec(text);
  assert.ok(m, `countdown "${text}" looks like m:ss`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The first ticket type on an event page: its id, the seats left (`data-available`, checked
 * against the badge's wording), and whether it can be booked (a quantity select is shown).
 */
export async function firstTicketType(page) {
  const row = page.locator('li.ticket-row[data-ticket-type]').first();
  await row.waitFor({ state: 'visible' });
  const id = await row.getAttribute('data-ticket-type');
  const badge = row.locator('p.badge[data-available]');
  // The count and its wording are read together, and again while they disagree: a live
  // update (a booking a moment ago, seen after a cached page) may land between two reads.
  let available = NaN;
  let text = '';
  for (let i = 0; i < 20; i++) {
    ({ available, text } = await badge.evaluate((b) => ({
      available: Number(b.getAttribute('data-available')),
      text: b.innerText.trim(),
    })));
    const agrees = available === 0 ? /sold out/i.test(text) : new RegExp(`\\b${available}\\b`).test(text);
    if (agrees) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(Number.isInteger(available) && available >= 0, `data-available is a count (${available})`);
  if (available === 0) {
    assert.match(text, /sold out/i, 'a sold-out badge says so');
  } else {
    assert.match(text, new RegExp(`\\b${available}\\b`), `badge "${text}" shows the ${available} seats left`);
  }
  const bookable = (await row.locator('select[name=quantity]').count()) === 1;
  return { id, available, text, bookable, row };
}

/**
 * How long before the start free cancellation ends, in ms, from the event page's
 * "Cancellation" fact ("Free cancellation until 1 day before the event", "… until the event
 * starts", "… 3 hours before …", "… 30 minutes before …").
 */
export async function cancellationCutoffMs(page) {
  const text = await page.locator('dl.facts').first().evaluate((dl) => {
    const dt = [...dl.querySelectorAll('dt')].find((d) => d.textContent.trim() === 'Cancellation');
    return dt?.nextElementSibling?.textContent.trim() ?? '';
  });
  if (/until the event starts/i.test(text)) return 0;
  const m = /until (\d+) (day|hour|minute)s? before/i.exec(text);
  assert.ok(m, `cancellation policy "${text}" is understood`);
  const unit = { day: 86_400_000, hour: 3_600_000, minute: 60_000 }[m[2].toLowerCase()];
  return Number(m[1]) * unit;
}

/** Seats left of ticket type `id` on the current event page, read from its badge. */
export async function seatsLeft(page, id) {
  const badge = page.locator(`li.ticket-row[data-ticket-type="${id}"] p.badge[data-available]`);
  await badge.waitFor({ state: 'visible' });
  return { available: Number(await badge.getAttribute('data-available')), text: (await badge.innerText()).trim() };
}

/** Picks `quantity` in ticket type `id`'s row and clicks its Book button. */
export async function book(page, ticketTypeId, quantity) {
  const row = page.locator(`li.ticket-row[data-ticket-type="${ticketTypeId}"]`);
  await row.locator('select[name=quantity]').selectOption(String(quantity));
  const button = row.getByRole('button', { name: /^Book\b/ });
  assert.equal(await button.innerText(), 'Book', 'the button reads "Book"');
  await button.click();
}

/** On the sign-in page: follows "Create an account" (which must keep `next`) and signs up. */
export async function signUpFromSignIn(page, visitor, expectedNext) {
  const link = page.getByRole('link', { name: 'Create an account' });
  const href = await link.getAttribute('href');
  assert.equal(
    new URL(href, page.url()).searchParams.get('next'),
    expectedNext,
    `"Create an account" (${href}) keeps next=${expectedNext}`,
  );
  await link.click();
  const url = await arrive(page, /\/signup\?/, 'the sign-up page');
  assert.equal(url.searchParams.get('next'), expectedNext, 'the sign-up page has the same next');
  await page.locator('#field-name').fill(visitor.name);
  await page.locator('#field-email').fill(visitor.email);
  await page.locator('#field-password').fill(visitor.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await signInAfterSignUp(page, visitor, expectedNext);
}

/**
 * After "Create account": sign-up answers the same whether or not the address had an
 * account, so it lands on sign-in (same `next`), the address filled in and the password
 * field focused; signs in there.
 */
export async function signInAfterSignUp(page, visitor, expectedNext) {
  // A page without islands (and maybe without script): no hydration to wait for.
  await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('done') === 'signed_up', { timeout: 30_000 });
  await page.waitForLoadState('load');
  const url = new URL(page.url());
  if (expectedNext !== undefined) assert.equal(url.searchParams.get('next'), expectedNext, 'sign-in after sign-up keeps next');
  assert.match(await page.locator('.notice.success').innerText(), /Now sign in with the password you chose/);
  assert.equal(await page.locator('#field-email').inputValue(), visitor.email, 'the address is filled in');
  await page.locator('#field-password').fill(visitor.password);
  await page.locator('form[aria-label="Sign in"]').getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in on `/signin` (already open) with an existing account. */
export async function signIn(page, account) {
  await page.locator('#field-email').fill(account.email);
  await page.locator('#field-password').fill(account.password);
  await page.locator('form[aria-label="Sign in"]').getByRole('button', { name: 'Sign in' }).click();
}

/** The header shows the signed-in navigation (a "My bookings" link). */
export async function expectSignedIn(page) {
  await page.locator('nav[aria-label="Main"] a[href="/bookings"]').waitFor({ state: 'visible' });
}

/**
 * On the checkout page: checks the countdown is m:ss and goes down (over ~2 s), and returns
 * the hold id and the confirm button's label.
 */
export async function checkCountdown(page) {
  const timer = page.locator('.countdown strong[role=timer]');
  await timer.waitFor({ state: 'visible' });
  const first = (await timer.innerText()).trim();
  assert.match(first, /^\d+:\d\d$/, `countdown "${first}" is m:ss`);
  const t0 = parseCountdown(first);
  assert.ok(t0 > 0, 'the hold has time left');
  await page.waitForTimeout(2_200);
  const second = (await timer.innerText()).trim();
  const t1 = parseCountdown(second);
  assert.ok(t1 < t0, `the countdown goes down once hydrated ("${first}" then "${second}" ~2 s later)`);
  assert.ok(t0 - t1 <= 4, `the countdown does not jump ("${first}" then "${second}")`);
  return { first, second };
}

/** Fills one attendee name per ticket and confirms; returns the confirm button's label. */
export async function fillNamesAndConfirm(page, names) {
  for (const [i, name] of names.entries()) {
    await page.locator(`#attendee-${i}`).fill(name);
  }
  assert.equal(await page.locator(`#attendee-${names.length}`).count(), 0, `exactly ${names.length} attendee fields`);
  const confirm = page.getByRole('button', { name: /^Reserve \d+ tickets?$/ });
  const label = (await confirm.innerText()).trim();
  const n = names.length;
  assert.equal(label, n === 1 ? 'Reserve 1 ticket' : `Reserve ${n} tickets`, 'the button says what it does');
  // Evently takes no payment: checkout never says anything was or will be "paid" through it.
  assert.doesNotMatch(await page.locator('main').innerText(), /\bpaid\b|confirm booking/i, 'checkout claims no payment');
  await confirm.click();
  return label;
}

/**
 * On the confirmation page (`/bookings/{id}?confirmed=1`): the success notice, the booking
 * code and one ticket code per ticket. Returns `{ bookingId, code, ticketCodes }`.
 */
export async function readConfirmation(page, expectedTickets, names = []) {
  const url = new URL(page.url());
  const bookingId = /\/bookings\/(\d+)$/.exec(url.pathname)?.[1];
  assert.ok(bookingId, `confirmation URL ${url} names the booking`);
  assert.equal(url.searchParams.get('confirmed'), '1');
  const notice = page.locator('.notice.success[role=status]');
  await notice.waitFor({ state: 'visible' });
  assert.match(await notice.innerText(), /You're going!/);
  const h1 = (await page.locator('h1').innerText()).trim();
  const code = /^Booking (\S+)$/.exec(h1)?.[1];
  assert.ok(code, `the heading "${h1}" shows the booking code`);
  const tickets = page.locator('li.ticket-row');
  const ticketCodes = (await tickets.locator('code').allInnerTexts()).map((c) => c.trim());
  assert.equal(ticketCodes.length, expectedTickets, `${expectedTickets} ticket code(s): ${ticketCodes.join(', ')}`);
  assert.ok(ticketCodes.every((c) => c.length >= 4), `ticket codes look like codes: ${ticketCodes.join(', ')}`);
  assert.equal(new Set(ticketCodes).size, ticketCodes.length, 'ticket codes are distinct');
  const rows = await tickets.allInnerTexts();
  for (const [i, name] of names.entries()) {
    assert.ok(rows[i]?.includes(name), `ticket ${i + 1} is for ${name} (row: ${JSON.stringify(rows[i])})`);
  }
  return { bookingId, code, ticketCodes };
}

/**
 * From an event page that is already open and hydrated, signed out: books `quantity` of
 * ticket type `ticketTypeId`, goes through sign-in → "Create an account" → sign-up as
 * `visitor`, back to the event, books again and lands on (hydrated) checkout.
 * Returns the checkout URL.
 */
export async function bookAsNewVisitor(page, { slug, ticketTypeId, quantity, visitor }) {
  const eventPath = `/events/${slug}`;
  await book(page, ticketTypeId, quantity);
  const signin = await arrive(page, /\/signin\?/, 'the sign-in page');
  const next = signin.searchParams.get('next');
  assert.equal(next, `${eventPath}?ticket=${ticketTypeId}&quantity=${quantity}`, 'sign-in brings the visitor back to the event, with the choice');
  assert.match(await page.locator('.notice.info').innerText(), /Sign in to book/, 'the sign-in page says why it appeared');

  await signUpFromSignIn(page, visitor, next);
  await arrive(page, (u) => u.pathname === eventPath, 'the event page, signed in');
  await expectSignedIn(page);
  const kept = await page.locator(`li.ticket-row[data-ticket-type="${ticketTypeId}"] select[name=quantity]`).inputValue();
  assert.equal(kept, String(quantity), `the quantity chosen before signing in (${quantity}) is chosen again`);

  await book(page, ticketTypeId, quantity);
  return arrive(page, /\/checkout\/\d+$/, 'checkout');
}
