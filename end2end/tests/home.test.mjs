// The home page: server-rendered event list (works without JavaScript), hydration, and the
// category filter chips, on a desktop and on a phone.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  isFavicon404,
  launchBrowser,
  pageErrors,
  screenshot,
  waitForHydration,
  withPage,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const CARD = 'article.event-card';
const VISIBLE_CARD = 'li:not([hidden]) article.event-card';
const CATEGORY_CHIP = '.chips button.chip[data-category]';
const ALL_CHIP = '.chips button.chip:not([data-category])';
const TIMEOUT = 60_000;

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * The grid's items: whether each is marked hidden and whether it actually takes up space
 * (so a stylesheet that overrides `[hidden]` is caught too), and each card's category.
 */
function gridState(page) {
  return page.$$eval('ul.event-grid > li', (items) =>
    items.map((li) => ({
      hidden: li.hidden,
      rendered: li.getClientRects().length > 0,
      category: li.querySelector('article.event-card')?.dataset.category ?? null,
    })),
  );
}

function resultsCount(page) {
  return page.locator('.results-count').innerText();
}

async function waitForPressed(chip, value) {
  await chip.page().waitForFunction(
    ([el, v]) => el.getAttribute('aria-pressed') === v,
    [await chip.elementHandle(), value],
    { timeout: 5_000 },
  ).catch(async () => {
    throw new Error(`aria-pressed of ${await chip.innerText()} stayed ${await chip.getAttribute('aria-pressed')}, expected ${value}`);
  });
}

/**
 * Layout observations reported as test diagnostics (not failures): horizontal scrolling,
 * and a pressed chip that looks exactly like an unpressed one.
 */
async function layoutNotes(page, pressedChip, t) {
  // Compared with the configured viewport: on a mobile viewport Chromium widens the layout
  // viewport (window.innerWidth) to fit over-wide content.
  const width = page.viewportSize().width;
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  if (scrollWidth > width) t.diagnostic(`NOTE: page is wider than the screen (content ${scrollWidth}px, viewport ${width}px)`);
  const look = (el) => {
    const s = getComputedStyle(el);
    return [s.backgroundColor, s.color, s.borderColor, s.fontWeight, s.outlineStyle, s.boxShadow].join('|');
  };
  const pressedLook = await pressedChip.evaluate(look);
  const otherLook = await page.locator('.chips button.chip[aria-pressed="false"]').first().evaluate(look);
  if (pressedLook === otherLook) t.diagnostic('NOTE: the pressed chip looks the same as the unpressed ones');
}

/** Hydrates `/`, filters by the first category, then back to All; shared by desktop and phone. */
async function hydrateAndFilter(page, shotPrefix, t) {
  const response = await page.goto(`${server.url}/`);
  assert.equal(response.status(), 200);
  await waitForHydration(page);
  await screenshot(page, `${shotPrefix}.png`);

  const total = await page.locator(CARD).count();
  assert.ok(total > 10, `expected more than 10 cards, got ${total}`);
  const before = await gridState(page);
  assert.ok(before.every((i) => !i.hidden && i.rendered), 'before filtering, every card is visible');
  assert.equal(await page.locator(VISIBLE_CARD).count(), total);
  const countBefore = await resultsCount(page);
  assert.match(countBefore, new RegExp(`\\b${total}\\b`), `results count "${countBefore}" mentions ${total}`);

  const all = page.locator(ALL_CHIP);
  assert.equal(await all.count(), 1, 'exactly one "All" chip');
  assert.equal(await all.getAttribute('aria-pressed'), 'true', '"All" starts pressed');
  const chips = page.locator(CATEGORY_CHIP);
  assert.ok((await chips.count()) >= 2, 'several category chips');
  const chip = chips.first();
  const category = await chip.getAttribute('data-category');
  const label = (await chip.innerText()).trim();
  assert.equal(await chip.getAttribute('aria-pressed'), 'false');

  await chip.click();
  await waitForPressed(chip, 'true');
  assert.equal(await all.getAttribute('aria-pressed'), 'false', '"All" is no longer pressed');
  // Only one chip pressed at a time.
  const pressed = await page.locator('.chips button.chip[aria-pressed="true"]').count();
  assert.equal(pressed, 1, 'exactly one chip pressed');

  const filtered = await gridState(page);
  const visible = filtered.filter((i) => !i.hidden);
  for (const item of filtered) {
    assert.equal(item.rendered, !item.hidden, 'hidden cards take no space and visible ones do');
  }
  const visibleCategories = await page.locator(VISIBLE_CARD).evaluateAll((cards) => cards.map((c) => c.dataset.category));
  assert.equal(visibleCategories.length, visible.length);
  assert.ok(visibleCategories.length > 0, `at least one ${category} event is shown`);
  assert.ok(visibleCategories.length < total, `filtering by ${category} hides some cards (${visibleCategories.length} of ${total} shown)`);
  assert.deepEqual(
    [...new Set(visibleCategories)],
    [category],
    `every visible card is in category ${category}`,
  );
  const expected = filtered.filter((i) => i.category === category).length;
  assert.equal(visibleCategories.length, expected, `all ${expected} ${category} cards are shown`);
  const countFiltered = await resultsCount(page);
  assert.notEqual(countFiltered, countBefore, 'results count changed');
  assert.match(countFiltered, new RegExp(`\\b${visibleCategories.length}\\b`), `results count "${countFiltered}" mentions ${visibleCategories.length}`);
  await screenshot(page, `${shotPrefix}-filtered.png`);
  await layoutNotes(page, chip, t);
  t.diagnostic(`${label} (${category}): ${visibleCategories.length} of ${total} cards; "${countBefore}" -> "${countFiltered}"`);

  await all.click();
  await waitForPressed(all, 'true');
  assert.equal(await chip.getAttribute('aria-pressed'), 'false');
  const restored = await gridState(page);
  assert.ok(restored.every((i) => !i.hidden && i.rendered), 'after "All", every card is visible again');
  assert.equal(await page.locator(VISIBLE_CARD).count(), total);
  assert.equal(await resultsCount(page), countBefore, 'results count restored');

  const favicon = page.errors.filter(isFavicon404);
  if (favicon.length) t.diagnostic(`favicon 404 (ignored): ${favicon.map((e) => e.url).join(', ')}`);
  const errors = pageErrors(page, isFavicon404);
  // withPage appends the full list of errors and failed responses to the failure message.
  assert.deepEqual(errors.map((e) => `${e.text} (${e.url})`), [], 'no console or page errors');
}

describe('home page', () => {
  test('lists events in the server-rendered HTML (JavaScript disabled)', { timeout: TIMEOUT }, async () => {
    await withPage(browser, { viewport: DESKTOP, javaScriptEnabled: false }, 'home-nojs', async (page) => {
      const response = await page.goto(`${server.url}/`);
      assert.equal(response.status(), 200);
      assert.match(response.headers()['content-type'] ?? '', /text\/html/);
      const cards = page.locator(CARD);
      const count = await cards.count();
      assert.ok(count > 10, `expected more than 10 server-rendered cards, got ${count}`);
      const titles = await cards.evaluateAll((els) => els.map((el) => el.querySelector('h3')?.textContent?.trim() ?? ''));
      const untitled = titles.map((title, i) => ({ title, i })).filter(({ title }) => title === '');
      assert.deepEqual(untitled, [], 'every card has a non-empty h3 title');
      assert.equal(await page.evaluate(() => document.body.dataset.hydrated ?? null), null, 'not hydrated without JavaScript');
      await screenshot(page, 'home-nojs.png');
    });
  });

  test('hydrates and filters by category (desktop 1280x800)', { timeout: TIMEOUT }, async (t) => {
    await withPage(browser, { viewport: DESKTOP }, 'home', (page) => hydrateAndFilter(page, 'home', t));
  });

  test('hydrates and filters by category (phone 390x844)', { timeout: TIMEOUT }, async (t) => {
    await withPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, 'home-phone', (page) =>
      hydrateAndFilter(page, 'home-phone', t),
    );
  });
});
