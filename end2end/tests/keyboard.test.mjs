// Keyboard only (Tab, Shift+Tab, Enter, Space, arrows, Escape), with JavaScript on and the
// islands hydrated, asserting where focus is after each step:
//   - the skip link still works after hydration: Tab → "Skip to content", Enter → <main>,
//     the next Tab lands inside the page content, not on the header;
//   - sign in → event → choose 2 → Book → checkout → "I need more time" (focus stays on the
//     button and the new time is announced in a status region) → reserve → confirmation;
//     every page change is a real page load (a new document with its own title, which screen
//     readers announce), after which the first Tab reaches the skip link again;
//   - "Cancel booking…" opens a modal dialog with focus on "Keep my booking"; Tab and
//     Shift+Tab move between its two buttons; Escape closes it and gives focus back.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESKTOP, screenshot, waitForHydration, withPage } from '../lib/browser.mjs';
import { newVisitor } from '../lib/journey.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const TIMEOUT = 150_000;

const env = serverAndBrowser({ timeout: 90_000 });

/** What has focus: tag, id, accessible-ish text. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body', id: '', text: '' };
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 80),
      inMain: !!el.closest('main'),
      inHeader: !!el.closest('header.site-header'),
      inDialog: !!el.closest('dialog[open]'),
    };
  });
}

/** Presses Tab until `predicate(focus)` holds (at most `max` times); returns the focus. */
async function tabTo(page, predicate, what, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (predicate(f)) return f;
  }
  throw new Error(`Tab never reached ${what} in ${max} presses (last: ${JSON.stringify(await focused(page))})`);
}

/** The skip link: first Tab, Enter moves focus to <main>, the next Tab stays in the content. */
async function skipLink(page, where) {
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('Tab');
  const first = await focused(page);
  assert.match(first.text, /skip to (main )?content/i, `${where}: the first Tab reaches the skip link (got ${JSON.stringify(first)})`);
  await page.keyboard.press('Enter');
  const main = await focused(page);
  assert.equal(main.tag, 'main', `${where}: Enter on the skip link focuses <main> (got ${JSON.stringify(main)})`);
  await page.keyboard.press('Tab');
  const next = await focused(page);
  assert.ok(next.inMain && !next.inHeader, `${where}: the Tab after the skip link stays in the content (got ${JSON.stringify(next)})`);
}

/** Waits for a new document (a real page load) whose URL matches, then for hydration. */
async function loaded(page, pattern, what) {
  await page.waitForURL(pattern, { timeout: 30_000 });
  await page.waitForLoadState('load');
  await waitForHydration(page);
  const title = await page.title();
  assert.ok(title.length > 0, `${what} has a title`);
  return title;
}

test('keyboard only: skip link, booking, more time, reserve, cancel dialog', { timeout: TIMEOUT }, async (t) => {
  const res = await fetch(`${env.server.url}/api/v1/events?available=true&limit=50`, { signal: AbortSignal.timeout(10_000) });
  const { items } = await res.json();
  const event = items.find((i) => i.status === 'published' && i.available >= 10 && Date.parse(i.starts_at) - Date.now() > 3 * 86_400_000);
  assert.ok(event, 'a demo event with seats, more than 3 days ahead');

  await withPage(env.browser, { viewport: DESKTOP }, 'keyboard', async (page) => {
    page.setDefaultTimeout(30_000);
    // A new account, made with the keyboard.
    const visitor = newVisitor('Keyboard');
    await page.goto(`${env.server.url}/signup?next=${encodeURIComponent(`/events/${event.slug}`)}`);
    await skipLink(page, 'sign-up');
    await tabTo(page, (f) => f.id === 'field-name', 'the name field');
    await page.keyboard.type(visitor.name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(visitor.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(visitor.password);
    await page.keyboard.press('Enter');
    // Sign-up lands on sign-in with the address filled in and focus on the password.
    await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('done') === 'signed_up', { timeout: 30_000 });
    await page.waitForLoadState('load');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-password', 'focus on the password');
    await page.keyboard.type(visitor.password);
    await page.keyboard.press('Enter');

    // The event page: skip link after hydration, then the ticket picker.
    const eventTitle = await loaded(page, (u) => u.pathname === `/events/${event.slug}`, 'the event page');
    t.diagnostic(`event page: "${eventTitle}"`);
    await page.locator('[data-ready] .ticket-list').waitFor({ state: 'attached' });
    await skipLink(page, 'event page (hydrated)');
    const select = await tabTo(page, (f) => f.tag === 'select', 'a quantity select');
    assert.match(select.id, /^qty-\d+$/);
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator(`#${select.id}`).inputValue(), '2', 'ArrowDown chooses 2');
    const book = await tabTo(page, (f) => f.tag === 'button' && /^Book\b/.test(f.text), 'Book', 3);
    t.diagnostic(`focus on "${book.text}"`);
    await page.keyboard.press('Enter');

    // Checkout: a new page; "I need more time" keeps focus and is announced.
    const checkoutTitle = await loaded(page, /\/checkout\/\d+$/, 'checkout');
    assert.match(checkoutTitle, /Checkout/);
    await skipLink(page, 'checkout');
    await tabTo(page, (f) => f.tag === 'button' && f.text === 'I need more time', '"I need more time"');
    await page.keyboard.press('Enter');
    const status = page.locator('.countdown [role=status]');
    await page.waitForFunction((el) => el.textContent.includes('More time given'), await status.elementHandle(), { timeout: 15_000 });
    const after = await focused(page);
    assert.ok(
      after.text === 'I need more time' || after.tag === 'div',
      `after "I need more time" focus stays with it (got ${JSON.stringify(after)})`,
    );
    t.diagnostic(`announced: "${(await status.innerText()).trim()}"`);

    // Names and reserve, by keyboard.
    await tabTo(page, (f) => f.id === 'attendee-0', 'the first name field');
    await page.keyboard.type('Kay Board');
    await tabTo(page, (f) => f.tag === 'button' && /^Reserve 2 tickets$/.test(f.text), '"Reserve 2 tickets"', 5);
    await page.keyboard.press('Enter');
    await loaded(page, /\/bookings\/\d+\?confirmed=1$/, 'the confirmation page');
    await skipLink(page, 'confirmation');

    // The cancel dialog.
    await page.goto(`${env.server.url}/bookings`);
    await waitForHydration(page);
    const link = await tabTo(page, (f) => f.tag === 'a' && /^Cancel booking .+…$/.test(f.text), '"Cancel booking…"');
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor({ state: 'visible' });
    let f = await focused(page);
    assert.ok(f.inDialog && f.text === 'Keep my booking', `the dialog opens on "Keep my booking" (got ${JSON.stringify(f)})`);
    await page.keyboard.press('Tab');
    f = await focused(page);
    assert.ok(f.inDialog && f.text === 'Yes, cancel booking', `Tab moves to "Yes, cancel booking" (got ${JSON.stringify(f)})`);
    await page.keyboard.press('Shift+Tab');
    f = await focused(page);
    assert.ok(f.inDialog && f.text === 'Keep my booking', `Shift+Tab goes back (got ${JSON.stringify(f)})`);
    await screenshot(page, 'keyboard-cancel-dialog.png');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    f = await focused(page);
    assert.equal(f.text, link.text, `Escape gives focus back to "${link.text}" (got ${JSON.stringify(f)})`);
    // And the booking is still there.
    assert.equal(await page.locator('article.card[data-status="confirmed"]').count(), 1);
  });
});
