// The door scanner with a camera. Chromium's fake camera plays a video made from a real
// ticket: the test books a ticket through the API, downloads its PDF, renders the first page
// with poppler's pdftoppm (as a grey image), and writes that picture as a Y4M video, the
// format Chromium's `--use-file-for-fake-video-capture` reads. The organizer opens the
// scanner page, starts the camera, and the page reads the QR code off the video (jsQR:
// Chromium on Linux has no BarcodeDetector), checks the ticket in, and, with the same ticket
// still in front of the camera a few seconds later, says it is already checked in.
// Needs pdftoppm (Debian's poppler-utils; scripts/setup.sh installs it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, DESKTOP, axeViolations, closePage, describeErrors, describeViolations, newPage, screenshot } from '../lib/browser.mjs';
import { DEMO_ORGANIZER, newVisitor, signIn } from '../lib/journey.mjs';
import { apiClient, publishedEvent } from '../lib/api.mjs';
import { startServer } from '../lib/server.mjs';

const TIMEOUT = 120_000;
const work = mkdtempSync(path.join(tmpdir(), 'evently-scan-'));
let server = null;
let browser = null;
let event = null;
let attendee = null;

const { api, json, login } = apiClient(() => server.url);

/** A P5 (binary) PGM image: its size and grey bytes. */
function readPgm(file) {
  const buf = readFileSync(file);
  let pos = 0;
  const fields = [];
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    if (buf[pos] === 0x23) { // a comment
      while (buf[pos] !== 0x0a) pos++;
      continue;
    }
    let start = pos;
    while (!/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    fields.push(buf.subarray(start, pos).toString('ascii'));
  }
  pos++; // the single whitespace after maxval
  assert.equal(fields[0], 'P5', 'pdftoppm wrote a binary grey map');
  const [w, h] = [Number(fields[1]), Number(fields[2])];
  return { w, h, grey: buf.subarray(pos, pos + w * h) };
}

/** A Y4M (4:2:0) video of `frames` copies of a grey picture, cropped to even sides. */
function writeY4m(file, { w, h, grey }, frames = 10) {
  const W = w - (w % 2);
  const H = h - (h % 2);
  const y = Buffer.alloc(W * H);
  for (let r = 0; r < H; r++) grey.copy(y, r * W, r * w, r * w + W);
  const chroma = Buffer.alloc((W / 2) * (H / 2), 128);
  const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), y, chroma, chroma);
  writeFileSync(file, Buffer.concat(parts));
}

before(async () => {
  server = await startServer();
  const organizer = await login(DEMO_ORGANIZER);
  event = await publishedEvent({ api, json }, organizer, {
    title: `Door Test ${Date.now().toString(36)}`,
    description: 'A ticket scanned at the door with a camera.',
    venue: 'Front Door',
    daysAhead: 5,
  });
  attendee = newVisitor('Door Guest');
  await json(await api('/api/v1/auth/register', { method: 'POST', body: attendee }), 202, 'registering');
  const token = await login(attendee);
  const booking = await json(await api(`/api/v1/events/${event.id}/bookings`, {
    method: 'POST', token, headers: { 'Idempotency-Key': `door-${event.id}` },
    body: { ticket_type_id: event.ticket_types[0].id, quantity: 1 },
  }), 201, 'booking');
  const pdf = await api(`/api/v1/bookings/${booking.id}/tickets.pdf`, { token });
  assert.equal(pdf.status, 200, 'the ticket PDF');
  writeFileSync(path.join(work, 'ticket.pdf'), Buffer.from(await pdf.arrayBuffer()));
  execFileSync('pdftoppm', ['-r', '110', '-gray', '-f', '1', '-l', '1', path.join(work, 'ticket.pdf'), path.join(work, 'page')]);
  const pgm = readdirPgm(work);
  writeY4m(path.join(work, 'camera.y4m'), readPgm(pgm));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${path.join(work, 'camera.y4m')}`,
    ],
  });
}, { timeout: TIMEOUT });

function readdirPgm(dir) {
  const out = execFileSync('ls', [dir]).toString().split('\n').find((f) => f.endsWith('.pgm'));
  assert.ok(out, 'pdftoppm rendered the ticket page');
  return path.join(dir, out);
}

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the camera reads a printed ticket, checks it in once, and refuses it the second time', { timeout: TIMEOUT }, async () => {
  const page = await newPage(browser, { viewport: DESKTOP });
  try {
    await page.context().grantPermissions(['camera'], { origin: server.url });
    await page.goto(`${server.url}/signin`);
    await signIn(page, DEMO_ORGANIZER);
    await page.waitForURL((u) => u.pathname !== '/signin');
    const res = await page.goto(`${server.url}/organizer/events/${event.id}/scan`);
    assert.equal(res.status(), 200);
    assert.match(res.headers()['permissions-policy'] ?? '', /camera=\(self\)/, 'this page may use the camera');
    const other = await page.request.get(`${server.url}/organizer/events/${event.id}`);
    assert.match(other.headers()['permissions-policy'] ?? '', /camera=\(\)/, 'other pages may not');
    const status = page.locator('#scanner [data-status]');
    await page.waitForFunction(() => document.querySelector('#scanner')?.dataset.offlineReady === 'true', null, { timeout: 15_000 });
    assert.match(await status.innerText(), /1 tickets? and 0 cancelled/);
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], describeViolations(violations));
    await page.getByRole('button', { name: 'Start the camera' }).click();
    const result = page.locator('#scanner [data-result]');
    await page.waitForFunction(() => /Admit/.test(document.querySelector('#scanner [data-result]')?.textContent ?? ''), null, { timeout: 30_000 });
    const admitted = await result.innerText();
    assert.match(admitted, new RegExp(attendee.name), `the attendee's name: ${admitted}`);
    assert.equal(await page.locator('#scanner').getAttribute('data-decoder').then((d) => ['jsqr', 'barcode-detector'].includes(d)), true);
    // The same ticket, still in view, is read again after a few seconds: refused.
    await page.waitForFunction(() => /Already checked in/.test(document.querySelector('#scanner [data-result]')?.textContent ?? ''), null, { timeout: 30_000 });
    await screenshot(page, 'scanner-already-checked-in');
    // The typed code takes the same road.
    await page.getByRole('button', { name: 'Stop the camera' }).click();
    await page.locator('#scan-code').fill('NOSUCHCODE');
    await page.getByRole('button', { name: 'Check in' }).click();
    await page.waitForFunction(() => /Do not admit/.test(document.querySelector('#scanner [data-result]')?.textContent ?? ''), null, { timeout: 15_000 });
    assert.deepEqual(page.errors.filter((e) => !/ 40[49] | 422 /.test(e.text)), [], describeErrors(page));
  } finally {
    await closePage(page);
  }
});
