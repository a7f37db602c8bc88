// The organizer's side: the demo organizer creates an event, publishes it, a new attendee
// (another browser context) books one ticket through the normal journey, and the organizer
// sees the sale on the dashboard and checks the ticket in (twice: the second time is refused).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DESKTOP,
  axeViolations,
  closePage,
  describeErrors,
  describeViolations,
  newPage,
  screenshot,
  waitForHydration,
  withPage,
} from '../lib/browser.mjs';
import {
  DEMO_ORGANIZER,
  arrive,
  bookAsNewVisitor,
  checkCountdown,
  fillNamesAndConfirm,
  firstTicketType,
  newVisitor,
  readConfirmation,
  signIn,
} from '../lib/journey.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const TIMEOUT = 180_000;

const env = serverAndBrowser({ timeout: 90_000 });

/** `YYYY-MM-DDTHH:MM` (a datetime-local value), `days` from today at `hour`:00. */
function localDateTime(days, hour) {
  const d = new Date(Date.now() + days * 86_400_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(hour)}:00`;
}

/** The sales table's row for the only ticket type: name and the numeric columns. */
async function salesRow(page) {
  const table = page.getByRole('region', { name: 'Sales by ticket type' }).locator('table');
  await table.waitFor();
  const headers = (await table.locator('thead th').allInnerTexts()).map((h) => h.trim().toLowerCase());
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 1, 'one ticket type in the sales table');
  const cells = (await rows.first().locator('th, td').allInnerTexts()).map((c) => c.trim());
  const col = (name) => {
    const i = headers.indexOf(name);
    assert.ok(i >= 0, `the sales table has a "${name}" column (${headers.join(', ')})`);
    return cells[i];
  };
  return {
    name: col('ticket type'),
    sold: Number(col('sold')),
    held: Number(col('held')),
    left: Number(col('left')),
    checkedIn: Number(col('checked in')),
  };
}

/** Submits a ticket code in the check-in panel and returns the outcome notice's text. */
async function checkIn(page, code, previous) {
  const panel = page.locator('section[aria-labelledby="checkin-heading"]');
  await panel.locator('#checkin-code').fill(code);
  await panel.getByRole('button', { name: 'Check in' }).click();
  const notice = panel.locator('[aria-live="polite"] .notice');
  // Wait for a new outcome (the second check-in replaces the first one's notice).
  await page.waitForFunction(
    ([el, before]) => {
      const n = el.querySelector('.notice');
      return n && n.textContent.trim() !== before;
    },
    [await panel.locator('[aria-live="polite"]').elementHandle(), previous ?? ''],
    { timeout: 15_000 },
  );
  // Ready for the next ticket: the code box is empty and has focus.
  const box = panel.locator('#checkin-code');
  await page.waitForFunction((el) => el.value === '' && document.activeElement === el, await box.elementHandle(), { timeout: 5_000 });
  return { text: (await notice.innerText()).trim(), className: await notice.getAttribute('class') };
}

/** Accessibility of the organizer pages, reported as diagnostics (not asserted: tests/a11y.test.mjs covers the buyer's pages). */
async function a11yNotes(page, name, t) {
  const violations = await axeViolations(page);
  t.diagnostic(
    violations.length
      ? `NOTE axe on the ${name} (not failing):\n${describeViolations(violations)}`
      : `axe on the ${name}: no violations`,
  );
}

async function organizerFlow(organizer, attendee, t) {
  const stamp = Date.now().toString(36);
  const title = `E2E Rooftop Jazz ${stamp}`;
  const starts = localDateTime(7, 19);
  const ends = localDateTime(7, 22);

  // 1. Sign in as the demo organizer, straight to the new-event form.
  await organizer.goto(`${env.server.url}/signin?next=/organizer/events/new`);
  await waitForHydration(organizer);
  await signIn(organizer, DEMO_ORGANIZER);
  await arrive(organizer, (u) => u.pathname === '/organizer/events/new', 'the new-event form');
  await organizer.getByRole('heading', { level: 1, name: 'Create an event' }).waitFor();

  // 2a. A first try with several mistakes: every one is reported at once, next to its field
  //     and in the summary, and what was typed is kept.
  assert.equal(await organizer.locator('#ev-category').inputValue(), '', 'the category is the organizer\'s choice, not a default');
  assert.match(await organizer.locator('label[for="ev-title"]').innerText(), /required/, 'required fields are marked');
  await organizer.locator('#ev-title').fill('x');
  await organizer.locator('#ev-venue').fill('Skyline Terrace');
  await organizer.locator('#tt-0-name').fill('General admission');
  await organizer.locator('#tt-0-cap').fill('0');
  await organizer.getByRole('button', { name: 'Save draft' }).click();
  await organizer.waitForURL((u) => u.pathname === '/organizer/events/new');
  const summary = organizer.locator('.error-summary');
  await summary.waitFor();
  const links = await summary.getByRole('link').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })));
  t.diagnostic(`reported at once: ${links.map((l) => `${l.href} "${l.text}"`).join('; ')}`);
  for (const id of ['#ev-title', '#ev-description', '#ev-city', '#ev-category', '#ev-starts_local', '#tt-0-cap']) {
    assert.ok(links.some((l) => l.href === id), `the summary links to ${id}`);
    assert.equal(await organizer.locator(id).getAttribute('aria-invalid'), 'true', `${id} is marked invalid`);
    const described = await organizer.locator(id).getAttribute('aria-describedby');
    assert.ok(described && (await organizer.locator(`#${described}`).innerText()).trim().length > 0, `${id} is described by its message`);
  }
  assert.equal(await organizer.evaluate(() => document.activeElement?.classList.contains('error-summary')), true, 'the summary has focus');
  assert.equal(await organizer.locator('#ev-venue').inputValue(), 'Skyline Terrace', 'typed values are kept');
  assert.equal(await organizer.locator('#tt-0-name').inputValue(), 'General admission');
  assert.equal(await organizer.locator('#ev-venue').getAttribute('aria-invalid'), null, 'a right field is not marked');
  await screenshot(organizer, 'organizer-new-event-errors.png', { fullPage: true });

  // 2b. Fill and save the event.
  await organizer.locator('#ev-title').fill(title);
  await organizer.locator('#ev-description').fill(
    'An evening of live jazz on the roof.\n\nCreated by the end-to-end suite to check the organizer tools.',
  );
  await organizer.locator('#ev-venue').fill('Skyline Terrace');
  await organizer.locator('#ev-city').fill('Leipzig');
  await organizer.locator('#ev-category').selectOption('music');
  await organizer.locator('#ev-timezone').selectOption('Europe/Berlin');
  await organizer.locator('#ev-starts_local').fill(starts);
  await organizer.locator('#ev-ends_local').fill(ends);
  await organizer.locator('#tt-0-name').fill('General admission');
  await organizer.locator('#tt-0-price').fill('12.50');
  await organizer.locator('#tt-0-cap').fill('40');
  assert.equal(await organizer.locator('#ev-starts_local').inputValue(), starts, 'the start date took');
  await screenshot(organizer, 'organizer-new-event.png', { fullPage: true });
  await a11yNotes(organizer, 'new-event form', t);
  await organizer.getByRole('button', { name: 'Save draft' }).click();

  // 3. The dashboard of the new draft; publish it.
  const dash = await arrive(organizer, /\/organizer\/events\/\d+$/, 'the event dashboard');
  const eventId = /\/organizer\/events\/(\d+)$/.exec(dash.pathname)[1];
  await organizer.getByRole('heading', { level: 1, name: title }).waitFor();
  const status = organizer.locator('.page-header .tag');
  assert.equal((await status.innerText()).trim(), 'draft', 'a new event is a draft');
  // No sales of a paid event is a sum of 0.00, never "Free"; and no claim of money collected.
  const value = organizer.locator('.stat', { hasText: 'Booked value' });
  assert.equal((await value.locator('.stat-value').innerText()).trim(), '€0.00');
  const before = await salesRow(organizer);
  assert.deepEqual(
    { name: before.name, sold: before.sold, left: before.left, checkedIn: before.checkedIn },
    { name: 'General admission', sold: 0, left: 40, checkedIn: 0 },
  );
  await organizer.getByRole('button', { name: 'Publish event' }).click();
  await organizer.locator('.page-header .tag', { hasText: 'published' }).waitFor();
  assert.equal(await organizer.getByRole('button', { name: 'Publish event' }).count(), 0, 'no publish button once published');
  const viewHref = await organizer.getByRole('link', { name: 'View page' }).getAttribute('href');
  const slug = /^\/events\/(.+)$/.exec(viewHref)?.[1];
  assert.ok(slug, `"View page" links to the public page (${viewHref})`);
  t.diagnostic(`event #${eventId} "${title}" published at ${viewHref}`);

  // 4. A new attendee, in their own context, books one ticket the normal way.
  const visitor = newVisitor('Organizer Flow Attendee');
  await attendee.goto(`${env.server.url}${viewHref}`);
  await waitForHydration(attendee);
  assert.equal((await attendee.locator('h1').innerText()).trim(), title, 'the published event is public');
  const ticket = await firstTicketType(attendee);
  assert.ok(ticket.bookable, 'the new event can be booked');
  assert.equal(ticket.available, 40);
  await bookAsNewVisitor(attendee, { slug, ticketTypeId: ticket.id, quantity: 1, visitor });
  await checkCountdown(attendee);
  await fillNamesAndConfirm(attendee, ['Nina Simone']);
  await arrive(attendee, /\/bookings\/\d+\?confirmed=1$/, 'the confirmation page');
  const booking = await readConfirmation(attendee, 1, ['Nina Simone']);
  const [code] = booking.ticketCodes;
  t.diagnostic(`attendee booked ${booking.code}, ticket ${code}`);

  // 5. Back to the organizer: the sale shows after a reload; check the ticket in twice.
  await organizer.reload();
  await waitForHydration(organizer);
  const sold = await salesRow(organizer);
  assert.equal(sold.sold, 1, 'sold = 1 in the sales table');
  assert.equal(sold.left, 39, '39 seats left');
  assert.equal(sold.checkedIn, 0, 'nobody checked in yet');
  assert.match(await organizer.locator('.stats').innerText(), /1 \/ 40/, 'the stats say 1 / 40 seats sold');
  const attendees = organizer.locator('.table-wrap[role=region][aria-label="Attendee table"]');
  await attendees.waitFor();
  assert.match(await attendees.innerText(), new RegExp(code), 'the attendee list has the ticket');

  const first = await checkIn(organizer, code);
  assert.match(first.text, /^Checked in/, `first check-in: "${first.text}"`);
  assert.ok(first.text.includes('Nina Simone') && first.text.includes(code), `the notice names the attendee and the code: "${first.text}"`);
  assert.match(first.className, /\bsuccess\b/);
  await screenshot(organizer, 'organizer-checkin.png', { fullPage: true });

  const second = await checkIn(organizer, code, first.text);
  assert.match(second.text, /^Already checked in/, `second check-in: "${second.text}"`);
  assert.ok(second.text.includes(code));
  assert.match(second.className, /\bwarning\b/);
  await screenshot(organizer, 'organizer-checkin-again.png', { fullPage: true });

  await organizer.reload();
  await waitForHydration(organizer);
  assert.equal((await salesRow(organizer)).checkedIn, 1, 'checked in = 1 after a reload');
  await screenshot(organizer, 'organizer-dashboard.png', { fullPage: true });
  await a11yNotes(organizer, 'event dashboard', t);

  for (const page of [organizer, attendee]) {
    assert.deepEqual(page.errors.map((e) => `[${e.type}] ${e.text} (${e.url})`), [], 'no console or page errors');
  }
}

describe('organizer', () => {
  test('creates and publishes an event, sees a sale and checks the ticket in', { timeout: TIMEOUT }, async (t) => {
    const organizer = await newPage(env.browser, { viewport: DESKTOP });
    const attendee = await newPage(env.browser, { viewport: DESKTOP });
    organizer.setDefaultTimeout(30_000);
    attendee.setDefaultTimeout(30_000);
    try {
      await organizerFlow(organizer, attendee, t);
    } catch (e) {
      await screenshot(organizer, 'organizer-failure.png', { fullPage: true }).catch(() => {});
      await screenshot(attendee, 'organizer-attendee-failure.png', { fullPage: true }).catch(() => {});
      e.message +=
        `\n(organizer at ${organizer.url()})\n${describeErrors(organizer)}` +
        `\n(attendee at ${attendee.url()})\n${describeErrors(attendee)}`;
      throw e;
    } finally {
      await closePage(attendee);
      await closePage(organizer);
    }
  });

  test('an event that has ended says so and offers nothing to book', { timeout: TIMEOUT }, async () => {
    await withPage(env.browser, { viewport: DESKTOP }, 'ended-event', async (page) => {
      await page.goto(`${env.server.url}/signin?next=%2Forganizer`);
      await signIn(page, DEMO_ORGANIZER);
      await page.waitForURL((u) => u.pathname === '/organizer');
      // The demo data has published events in the recent past; the organizer's list has them.
      const past = await page.locator('table.data tbody tr').evaluateAll((rows) =>
        rows
          .map((r) => ({
            href: r.querySelector('a')?.getAttribute('href'),
            starts: r.querySelector('time[datetime]')?.getAttribute('datetime'),
            status: r.querySelector('.tag')?.textContent.trim(),
          }))
          .filter((r) => r.status === 'published' && Date.parse(r.starts) < Date.now() - 86_400_000),
      );
      assert.ok(past.length > 0, 'the demo organizer has an event that has ended');
      await page.goto(`${env.server.url}${past[0].href}`);
      const view = await page.getByRole('link', { name: 'View page' }).getAttribute('href');
      await page.goto(`${env.server.url}${view}`);
      await waitForHydration(page);
      assert.match(await page.locator('main').innerText(), /This event has ended/);
      const tickets = page.locator('section[aria-labelledby="tickets-heading"]');
      assert.equal(await tickets.locator('select, button').count(), 0, 'nothing to book');
      assert.equal(await tickets.locator('.badge, .live-indicator').count(), 0, 'no seats-left badge, no "Live"');
      assert.equal(await page.getByRole('link', { name: 'Choose tickets' }).count(), 0);
      await screenshot(page, 'ended-event.png', { fullPage: true });
    });
  });

  for (const width of [320, 390]) {
    test(`organizer pages fit a ${width} px phone (no sideways scrolling, every column visible)`, { timeout: TIMEOUT }, async () => {
      await withPage(env.browser, { viewport: { width, height: 740 }, isMobile: true, hasTouch: true }, `organizer-${width}`, async (page) => {
        await page.goto(`${env.server.url}/signin?next=%2Forganizer`);
        await signIn(page, DEMO_ORGANIZER);
        await page.waitForURL((u) => u.pathname === '/organizer');
        const fits = async (what) => {
          const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(scroll <= width, `${what}: the page is ${scroll} px wide on a ${width} px screen`);
          // Every cell of every table is on screen, not behind a sideways scroll.
          const off = await page.locator('table.data td, table.data th[scope=row]').evaluateAll(
            (cells, w) => cells.filter((c) => c.getBoundingClientRect().right > w + 1).map((c) => c.dataset.label ?? c.textContent.trim()),
            width,
          );
          assert.deepEqual(off, [], `${what}: cells off screen`);
        };
        await fits('the event list');
        const status = page.locator('td[data-label="Status"]').first();
        assert.ok(await status.isVisible(), 'the status column is shown');
        await screenshot(page, `organizer-list-${width}.png`, { fullPage: true });
        const href = await page
          .locator('a[href^="/organizer/events/"]')
          .evaluateAll((as) => as.map((a) => a.getAttribute('href')).find((h) => /\/organizer\/events\/\d+$/.test(h)));
        assert.ok(href, 'the organizer has an event');
        await page.goto(`${env.server.url}${href}`);
        await waitForHydration(page);
        await fits('the event dashboard');
        const checkIn = page.locator('#checkin-code');
        const box = await checkIn.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= width, 'the check-in box is on screen');
        await screenshot(page, `organizer-dashboard-${width}.png`, { fullPage: true });
      });
    });
  }
});
