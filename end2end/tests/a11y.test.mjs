// Accessibility (axe-core, serious and critical violations only) of the pages of the booking
// journey, on a desktop and on a phone: home, search, event, sign-in, sign-up, checkout,
// confirmation and "My bookings". Each page is its own subtest, so one failing page does not
// hide the others; every violation is printed with its rule, element and help link.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  axeViolations,
  describeViolations,
  screenshot,
  waitForHydration,
  withPage,
} from '../lib/browser.mjs';
import {
  arrive,
  book,
  expectSignedIn,
  fillNamesAndConfirm,
  firstTicketType,
  newVisitor,
  readConfirmation,
  signInAfterSignUp,
} from '../lib/journey.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const TIMEOUT = 180_000;

const env = serverAndBrowser({ timeout: 90_000 });

/**
 * Walks the journey's pages and checks each with axe in its own subtest. A subtest fails on
 * any serious or critical violation; the walk goes on to the next page regardless.
 */
async function audit(page, suffix, t) {
  page.setDefaultTimeout(30_000);
  const visitor = newVisitor(suffix ? 'A11y Phone' : 'A11y Desktop');

  const check = (name) =>
    t.test(`${name}${suffix ? ' (phone)' : ' (desktop)'}`, async (st) => {
      const all = await axeViolations(page);
      const violations = all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      const lesser = all.filter((v) => !violations.includes(v));
      if (lesser.length) st.diagnostic(`NOTE (moderate/minor, not failing):\n${describeViolations(lesser)}`);
      if (violations.length) {
        await screenshot(page, `a11y-${name}${suffix}.png`, { fullPage: true }).catch(() => {});
        st.diagnostic(`${page.url()}\n${describeViolations(violations)}`);
      }
      assert.deepEqual(
        violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
        [],
        `serious/critical axe violations on ${name} (${page.url()}):\n${describeViolations(violations)}`,
      );
    });

  // Home.
  await page.goto(`${env.server.url}/`);
  await waitForHydration(page);
  await page.locator('article.event-card').first().waitFor();
  await check('home');

  // Search, for a word that finds events.
  const title = (await page.locator('article.event-card h3 a').first().innerText()).trim();
  const word = title.match(/[\p{L}\p{N}]{3,}/u)[0];
  await page.goto(`${env.server.url}/search?q=${encodeURIComponent(word)}`);
  await waitForHydration(page);
  await page.locator('article.event-card').first().waitFor();
  await check('search');

  // Event page, signed out: the first result with two bookable seats in its first ticket type.
  const hrefs = await page.locator('article.event-card h3 a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  let chosen = null;
  for (const href of hrefs) {
    await page.goto(`${env.server.url}${href}`);
    await waitForHydration(page);
    const first = await firstTicketType(page);
    if (first.bookable && first.available >= 2) {
      chosen = { href, ticketTypeId: first.id };
      break;
    }
  }
  assert.ok(chosen, `a "${word}" event has 2 bookable seats`);
  await check('event');

  // Sign-in and sign-up pages.
  await book(page, chosen.ticketTypeId, 2);
  await arrive(page, /\/signin\?/, 'the sign-in page');
  await check('signin');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await arrive(page, /\/signup\?/, 'the sign-up page');
  await check('signup');

  // Checkout.
  await page.locator('#field-name').fill(visitor.name);
  await page.locator('#field-email').fill(visitor.email);
  await page.locator('#field-password').fill(visitor.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await arrive(page, (u) => u.pathname === '/signin' && u.searchParams.get('done') === 'signed_up', 'sign-in after sign-up');
  await check('signin-after-signup');
  await signInAfterSignUp(page, visitor);
  await arrive(page, (u) => u.pathname === chosen.href, 'the event page, signed in');
  await expectSignedIn(page);
  await book(page, chosen.ticketTypeId, 2);
  await arrive(page, /\/checkout\/\d+$/, 'checkout');
  await page.locator('.countdown strong[role=timer]').waitFor();
  await check('checkout');

  // Confirmation.
  await fillNamesAndConfirm(page, ['Ada Lovelace', 'Grace Hopper']);
  await arrive(page, /\/bookings\/\d+\?confirmed=1$/, 'the confirmation page');
  const booking = await readConfirmation(page, 2);
  await check('confirmation');

  // My bookings.
  await page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'My bookings' }).click();
  await arrive(page, (u) => u.pathname === '/bookings', '"My bookings"');
  await page.locator(`article.card[data-booking-id="${booking.bookingId}"]`).waitFor();
  await check('my-bookings');

  assert.deepEqual(page.errors.map((e) => `[${e.type}] ${e.text} (${e.url})`), [], 'no console or page errors');
}

/** A fresh page per viewport (see withPage for what a failure leaves behind). */
function run(options, suffix, t) {
  return withPage(env.browser, options, `a11y${suffix}`, (page) => audit(page, suffix, t));
}

describe('accessibility (axe: no serious or critical violations)', () => {
  test('journey pages on a desktop (1280x800)', { timeout: TIMEOUT }, (t) => run({ viewport: DESKTOP }, '', t));

  test('journey pages on a phone (390x844)', { timeout: TIMEOUT }, (t) =>
    run({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, '-phone', t),
  );
});
