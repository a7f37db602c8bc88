// Forms that keep what you typed: a sign-up or sign-in that fails comes back with the values
// (never the password), the error next to its field (aria-invalid, aria-describedby), a
// summary at the top linking to the field, focus on the first error; with and without
// JavaScript. Sign-up with a registered address answers as for a new one (on to sign-in, the
// address filled in): sign-up never says who has an account.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DESKTOP, withPage } from '../lib/browser.mjs';
import { DEMO_ATTENDEE } from '../lib/journey.mjs';
import { serverAndBrowser } from '../lib/suite.mjs';

const TIMEOUT = 60_000;

const env = serverAndBrowser({ timeout: 90_000 });

for (const script of [true, false]) {
  const how = script ? 'with JavaScript' : 'without JavaScript';
  describe(`forms keep what you typed (${how})`, () => {
    test('sign-up with a weak password', { timeout: TIMEOUT }, async () => {
      await withPage(env.browser, { viewport: DESKTOP, javaScriptEnabled: script }, `forms-signup-${script ? 'js' : 'nojs'}`, async (page) => {
        const next = '/events/some-event?ticket=1&quantity=2';
        await page.goto(`${env.server.url}/signup?why=book&next=${encodeURIComponent(next)}`);
        await page.locator('#field-name').fill('Weak Password');
        await page.locator('#field-email').fill(`weak-${Date.now().toString(36)}@example.test`);
        await page.locator('#field-password').fill('Password123');
        await page.locator('input[name=marketing]').check();
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL((u) => u.pathname === '/signup' && u.searchParams.get('next') === next && u.searchParams.get('why') === 'book');
        assert.ok(!page.url().includes('__err'), 'no error in the address');
        // Values kept, never the password.
        assert.equal(await page.locator('#field-name').inputValue(), 'Weak Password');
        assert.match(await page.locator('#field-email').inputValue(), /^weak-/);
        assert.equal(await page.locator('#field-password').inputValue(), '', 'the password is not sent back');
        assert.equal(await page.locator('input[name=marketing]').isChecked(), true, 'the consent box as it was');
        // The error next to the field, tied to it; said once there.
        const password = page.locator('#field-password');
        assert.equal(await password.getAttribute('aria-invalid'), 'true');
        assert.match(await password.getAttribute('aria-describedby'), /field-password-error/);
        assert.match((await page.locator('#field-password-error').innerText()).trim(), /too easy to guess/);
        // The summary at the top links to the field.
        const summary = page.locator('.error-summary');
        assert.match(await summary.innerText(), /There is a problem/);
        assert.equal(await summary.getByRole('link').getAttribute('href'), '#field-password');
        // Focus on the first field with an error.
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-password');
        // Why the page is there, still said.
        assert.match(await page.locator('.notice.info').innerText(), /Sign in to book/);
        // Shown once: a reload is a clean form.
        await page.reload();
        assert.equal(await page.locator('#field-email').inputValue(), '');
        assert.equal(await page.locator('.error-summary').count(), 0);
      });
    });

    test('sign-up with a registered address answers as for a new one', { timeout: TIMEOUT }, async () => {
      await withPage(env.browser, { viewport: DESKTOP, javaScriptEnabled: script }, `forms-signup-taken-${script ? 'js' : 'nojs'}`, async (page) => {
        const next = '/events/some-event?ticket=1&quantity=2';
        await page.goto(`${env.server.url}/signup?why=book&next=${encodeURIComponent(next)}`);
        await page.locator('#field-name').fill('Taken Address');
        await page.locator('#field-email').fill(DEMO_ATTENDEE.email);
        await page.locator('#field-password').fill('a long enough password 42');
        await page.getByRole('button', { name: 'Create account' }).click();
        // No "already exists": on to sign-in, as after any sign-up, with next kept.
        await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('done') === 'signed_up');
        const url = new URL(page.url());
        assert.equal(url.searchParams.get('next'), next, 'sign-in keeps next');
        assert.ok(!page.url().includes(encodeURIComponent(DEMO_ATTENDEE.email)) && !page.url().includes(DEMO_ATTENDEE.email), 'the address is not in the URL');
        assert.doesNotMatch(await page.locator('main').innerText(), /already exists|already registered/);
        assert.match(await page.locator('.notice.success').innerText(), /Now sign in with the password you chose/);
        assert.equal(await page.locator('#field-email').inputValue(), DEMO_ATTENDEE.email, 'the address is filled in');
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'field-password', 'focus on the password');
      });
    });

    test('sign-in with a wrong password', { timeout: TIMEOUT }, async () => {
      await withPage(env.browser, { viewport: DESKTOP, javaScriptEnabled: script }, `forms-signin-${script ? 'js' : 'nojs'}`, async (page) => {
        await page.goto(`${env.server.url}/signin?next=%2Fbookings`);
        await page.locator('#field-email').fill(DEMO_ATTENDEE.email);
        await page.locator('#field-password').fill('not the password at all');
        await page.locator('form[aria-label="Sign in"]').getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL((u) => u.pathname === '/signin' && u.searchParams.get('next') === '/bookings');
        assert.equal(await page.locator('#field-email').inputValue(), DEMO_ATTENDEE.email, 'the address is kept');
        assert.equal(await page.locator('#field-password').inputValue(), '');
        const summary = page.locator('.error-summary');
        assert.match(await summary.innerText(), /wrong e-mail or password/i);
        // A form-wide error: the summary takes focus.
        assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), true);
        assert.equal(await page.locator('.field-error:not([hidden])').count(), 0, 'no field is blamed for it');
      });
    });
  });
}
