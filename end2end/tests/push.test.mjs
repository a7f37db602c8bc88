// Web push and the notification centre in a real browser. Chromium's own push service is
// not reachable here, so `pushManager.subscribe` cannot succeed: the test plays the push
// service itself. It makes a subscription's keys (as a browser would), registers it through
// the API with an endpoint on loopback, books a ticket, and receives the server's push on
// that endpoint: VAPID-signed, aes128gcm-encrypted. It decrypts it (RFC 8291) and hands the
// plaintext to the page's service worker with the DevTools protocol
// (ServiceWorker.deliverPushMessage), then reads the notification the worker shows. The
// bell in the header counts the new notice live; the notifications page marks it read.
import assert from 'node:assert/strict';
import { createECDH, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { DESKTOP, axeViolations, closePage, describeErrors, describeViolations, launchBrowser, newPage, screenshot } from '../lib/browser.mjs';
import { DEMO_ORGANIZER, newVisitor, signIn, expectSignedIn } from '../lib/journey.mjs';
import { apiClient, publishedEvent } from '../lib/api.mjs';
import { startServer } from '../lib/server.mjs';

const TIMEOUT = 120_000;
let server = null;
let browser = null;
let pushService = null;
const received = [];

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** RFC 8291 / 8188: what the browser does with an aes128gcm push. */
function decrypt(body, { ecdh, auth }) {
  const salt = body.subarray(0, 16);
  const idlen = body[20];
  const serverKey = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const secret = ecdh.computeSecret(serverKey);
  const prkKey = hmac(auth, secret);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverKey, Buffer.from([1])]);
  const ikm = hmac(prkKey, keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01', 'latin1')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01', 'latin1')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  assert.equal(plain[end], 2, 'the last record ends with the delimiter 0x02');
  return JSON.parse(plain.subarray(0, end).toString('utf8'));
}

const { api, json, login } = apiClient(() => server.url);

before(async () => {
  pushService = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(201).end();
    });
  });
  await new Promise((resolve) => pushService.listen(0, '127.0.0.1', resolve));
  server = await startServer({ EVENTLY_PUSH_HOSTS: '127.0.0.1' });
  browser = await launchBrowser();
}, { timeout: TIMEOUT });

after(async () => {
  await browser?.close();
  await server?.stop();
  pushService?.close();
});

test('a push reaches the service worker as a notification, and the bell counts notices live', { timeout: TIMEOUT }, async () => {
  const organizer = await login(DEMO_ORGANIZER);
  const event = await publishedEvent({ api, json }, organizer, {
    title: `Push Night ${Date.now().toString(36)}`,
    description: 'An event whose confirmation arrives as a notification.',
    venue: 'Loopback Hall',
    daysAhead: 4,
  });
  const visitor = newVisitor('Push');
  await json(await api('/api/v1/auth/register', { method: 'POST', body: visitor }), 202, 'registering');
  const token = await login(visitor);

  const page = await newPage(browser, { viewport: DESKTOP });
  try {
    await page.context().grantPermissions(['notifications'], { origin: server.url });
    const cdp = await page.context().newCDPSession(page);
    const registrations = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');

    await page.goto(`${server.url}/signin?next=/account`);
    await signIn(page, visitor);
    await page.waitForURL((u) => u.pathname === '/account');
    await expectSignedIn(page);
    // push.js registers the service worker and says what this device does.
    await page.waitForFunction(() => /does not get notifications|gets notifications/.test(document.querySelector('#push [data-status]')?.textContent ?? ''), null, { timeout: 15_000 });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    const shownCount = () => page.evaluate(() => {
      const count = document.querySelector('nav[aria-label="Main"] a.bell .bell-count');
      return count && !count.parentElement.hidden ? count.textContent.trim() : '0';
    });
    assert.equal(await shownCount(), '0', 'no count shown while nothing is unread');
    assert.equal(await page.getByRole('link', { name: 'Notifications', exact: true }).count(), 1, 'the bell is a link named Notifications');

    // The device a browser would register (our loopback push service stands in for its
    // push service): an ECDH P-256 key pair and a 16-byte auth secret.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    const endpoint = `http://127.0.0.1:${pushService.address().port}/push/e2e`;
    await json(await api('/api/v1/me/push-subscriptions', {
      method: 'POST', token,
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' },
      body: { endpoint, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) } },
    }), 201, 'registering the device');

    // A booking: the server pushes its confirmation; the bell on the open page counts it.
    const booking = await json(await api(`/api/v1/events/${event.id}/bookings`, {
      method: 'POST', token, headers: { 'Idempotency-Key': `push-${event.id}` },
      body: { ticket_type_id: event.ticket_types[0].id, quantity: 1 },
    }), 201, 'booking');
    const until = Date.now() + 15_000;
    while ((await shownCount()) !== '1') {
      assert.ok(Date.now() < until, 'the bell counts the new notice without a reload');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await page.getByRole('link', { name: 'Notifications 1 unread' }).count(), 1, 'the count is in the link\'s name');

    const deadline = Date.now() + 20_000;
    while (!received.some((r) => r.path === '/push/e2e')) {
      assert.ok(Date.now() < deadline, 'the server pushed to the device');
      await new Promise((r) => setTimeout(r, 100));
    }
    const push = received.find((r) => r.path === '/push/e2e');
    assert.equal(push.headers['content-encoding'], 'aes128gcm');
    assert.match(push.headers.authorization ?? '', /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, ?k=[\w-]{87}$/);
    assert.ok(Number(push.headers.ttl) > 0, 'a TTL');
    const payload = decrypt(push.body, { ecdh, auth });
    assert.equal(payload.title, `You're going to ${event.title}`);
    assert.equal(payload.url, `/bookings/${booking.id}`);

    // The browser's side: the service worker gets the plaintext and shows it.
    const deadlineSw = Date.now() + 10_000;
    while (!registrations.some((r) => r.scopeURL === `${server.url}/` && !r.isDeleted)) {
      assert.ok(Date.now() < deadlineSw, 'the service worker registration is known');
      await new Promise((r) => setTimeout(r, 100));
    }
    const reg = registrations.find((r) => r.scopeURL === `${server.url}/`);
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: server.url, registrationId: reg.registrationId, data: JSON.stringify(payload),
    });
    let shown = [];
    const deadlineShown = Date.now() + 10_000;
    while (shown.length === 0) {
      assert.ok(Date.now() < deadlineShown, 'the service worker shows a notification');
      await new Promise((r) => setTimeout(r, 100));
      shown = await page.evaluate(async () => {
        const r = await navigator.serviceWorker.ready;
        const ns = await r.getNotifications();
        return ns.map((n) => ({ title: n.title, body: n.body, url: n.data?.url, tag: n.tag }));
      });
    }
    assert.equal(shown.length, 1);
    assert.equal(shown[0].title, payload.title);
    assert.equal(shown[0].body, payload.body);
    assert.equal(shown[0].url, `/bookings/${booking.id}`, 'a click opens the booking');
    assert.equal(shown[0].tag, payload.tag);

    // The account page lists the device; the notifications page lists the notice and marks
    // it read, and the bell follows.
    await page.reload();
    await page.getByRole('button', { name: 'Remove Chrome on Linux' }).waitFor();
    await page.goto(`${server.url}/notifications`);
    await page.getByRole('link', { name: payload.title }).waitFor();
    assert.match(await page.locator('main').innerText(), /1 unread notification/);
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], describeViolations(violations));
    await screenshot(page, 'notifications-unread');
    await page.getByRole('button', { name: 'Mark all as read' }).click();
    await page.waitForURL((u) => u.pathname === '/notifications');
    await page.getByText('You have no unread notifications.').waitFor();
    assert.equal(await shownCount(), '0', 'the bell follows');
    assert.deepEqual(page.errors, [], describeErrors(page));
  } finally {
    await closePage(page);
  }
});
