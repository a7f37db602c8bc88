// The home page: server-rendered event list (works without JavaScript), hydration, and the
// category chips (links to each category's search with true counts), on a desktop and on a
// phone, with and without JavaScript.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  isFavicon404,
  pageErrors,
  screenshot,
  waitForHydration,
  withPage,
} from '../lib/browser.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const CARD = 'article.event-card';
const TIMEOUT = 60_000;

const env = serverAndBrowser({ timeout: TIMEOUT });

/** Upcoming published events in `category`, counted through every page of the search API. */
async function upcomingIn(category) {
  let total = 0;
  let cursor = null;
  for (let pages = 0; pages < 100; pages++) {
    const q = new URLSearchParams({ category, limit: '50' });
    if (cursor) q.set('cursor', cursor);
    const res = await fetch(`${env.server.url}/api/v1/events?${q}`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200);
    const body = await res.json();
    total += body.items.length;
    cursor = body.next_cursor;
    if (!cursor) return total;
  }
  throw new Error(`more than 100 pages of ${category} events`);
}

/**
 * The category chips above the grid are links to each category's search, with true counts
 * (all upcoming events of the category, not the cards on this page); with or without script.
 */
async function categoryLinks(page, shotPrefix, t, { script }) {
  const response = await page.goto(`${env.server.url}/`);
  assert.equal(response.status(), 200);
  if (script) await waitForHydration(page);
  await screenshot(page, `${shotPrefix}.png`);
  const total = await page.locator(CARD).count();
  assert.ok(total > 10, `expected more than 10 cards, got ${total}`);

  const nav = page.getByRole('navigation', { name: 'Categories' });
  assert.equal(await nav.getByRole('link', { name: 'All events' }).getAttribute('href'), '/search');
  const chips = nav.locator('a.chip[data-category]');
  assert.ok((await chips.count()) >= 2, 'several category chips');
  // The first chip whose category has more events than the page shows of it.
  const onPage = await page.locator(CARD).evaluateAll((cards) => cards.map((c) => c.dataset.category));
  let chosen = null;
  for (const chip of await chips.all()) {
    const category = await chip.getAttribute('data-category');
    const text = (await chip.innerText()).trim();
    const n = Number(/\((\d+)\)$/.exec(text)?.[1]);
    assert.ok(Number.isInteger(n) && n > 0, `chip "${text}" shows a count`);
    assert.equal(await chip.getAttribute('href'), `/search?category=${encodeURIComponent(category)}`);
    const shown = onPage.filter((c) => c === category).length;
    if (!chosen && n > shown) chosen = { chip, category, text, n, shown };
  }
  assert.ok(chosen, 'a category has more upcoming events than the home page shows');
  const truth = await upcomingIn(chosen.category);
  assert.equal(chosen.n, truth, `"${chosen.text}" counts every upcoming ${chosen.category} event (${truth}), not the ${chosen.shown} on this page`);

  await chosen.chip.click();
  await page.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('category') === chosen.category);
  const categories = await page.locator(CARD).evaluateAll((cards) => cards.map((c) => c.dataset.category));
  assert.ok(categories.length > 0, 'the search lists events');
  assert.deepEqual([...new Set(categories)], [chosen.category], `every result is in ${chosen.category}`);
  await screenshot(page, `${shotPrefix}-category.png`);
  t.diagnostic(`${chosen.text}: ${chosen.shown} on the home page, ${truth} upcoming in all`);

  const errors = pageErrors(page, isFavicon404);
  assert.deepEqual(errors.map((e) => `${e.text} (${e.url})`), [], 'no console or page errors');
}

describe('home page', () => {
  test('lists events in the server-rendered HTML (JavaScript disabled)', { timeout: TIMEOUT }, async () => {
    await withPage(env.browser, { viewport: DESKTOP, javaScriptEnabled: false }, 'home-nojs', async (page) => {
      const response = await page.goto(`${env.server.url}/`);
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

  test('category chips link to their search with true counts (desktop 1280x800)', { timeout: TIMEOUT }, async (t) => {
    await withPage(env.browser, { viewport: DESKTOP }, 'home', (page) => categoryLinks(page, 'home', t, { script: true }));
  });

  test('category chips link to their search with true counts (phone 390x844)', { timeout: TIMEOUT }, async (t) => {
    await withPage(env.browser, { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }, 'home-phone', (page) =>
      categoryLinks(page, 'home-phone', t, { script: true }),
    );
  });

  test('category chips work without JavaScript', { timeout: TIMEOUT }, async (t) => {
    await withPage(env.browser, { viewport: DESKTOP, javaScriptEnabled: false }, 'home-chips-nojs', (page) =>
      categoryLinks(page, 'home-chips-nojs', t, { script: false }),
    );
  });
});
