// The door scanner (/organizer/events/<id>/scan): reads ticket QR codes from the camera and
// checks them in. Codes are read with the browser's BarcodeDetector where there is one, else
// with jsQR (public/vendor/jsQR.js) on video frames. Online, each code goes to
// POST /api/v1/events/<id>/check-ins, which checks a ticket in exactly once. Offline, the
// code's Ed25519 signature is verified with the event's public key and checked against the
// revocation list, both downloaded when the page opened (GET .../scanner-list); those
// check-ins are sent when the network is back. Typing the code always works too.
const root = document.getElementById('scanner');
if (root) start(root);

function start(root) {
  const eventId = Number(root.dataset.event);
  const video = root.querySelector('video');
  const startButton = root.querySelector('[data-start]');
  const stopButton = root.querySelector('[data-stop]');
  const status = root.querySelector('[data-status]');
  const result = root.querySelector('[data-result]');
  const manual = root.querySelector('form[data-manual]');
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let stream = null;
  let detector = null;
  let list = null;
  let key = null;
  let busy = false;
  let last = { text: '', at: 0 };
  const offlineSeen = new Set();
  const pending = [];

  const say = (text) => { status.textContent = text; };
  const show = (kind, title, detail) => {
    result.className = `notice ${kind} scan-result`;
    result.replaceChildren();
    const p = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = title;
    p.append(strong);
    if (detail) p.append(` ${detail}`);
    result.append(p);
    result.hidden = false;
  };

  loadList();
  window.addEventListener('online', flush);

  async function loadList() {
    try {
      const r = await fetch(`/api/v1/events/${eventId}/scanner-list`, { credentials: 'same-origin' });
      if (!r.ok) {
        say(r.status === 404
          ? 'This event’s tickets are not yours to check (or the event does not exist).'
          : `The ticket list could not be loaded (HTTP ${r.status}): scanning works only online.`);
        return;
      }
      list = await r.json();
      try {
        key = await crypto.subtle.importKey('raw', b64url(list.public_key.x), { name: 'Ed25519' }, false, ['verify']);
      } catch {
        say('This browser cannot check ticket signatures offline: scanning works online.');
        return;
      }
      root.dataset.offlineReady = 'true';
      say(`Ready. ${list.tickets.length} tickets and ${list.revoked.length} cancelled ones are kept for checking offline.`);
    } catch {
      say('The ticket list could not be loaded: scanning works only online.');
    }
  }

  startButton.addEventListener('click', async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      say('This browser cannot use a camera here. Type the code instead.');
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch (e) {
      say(`The camera is not available (${e.name}). Allow it in the browser, or type the code instead.`);
      return;
    }
    video.srcObject = stream;
    await video.play().catch(() => {});
    if ('BarcodeDetector' in window) {
      try {
        const formats = await window.BarcodeDetector.getSupportedFormats();
        if (formats.includes('qr_code')) detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      } catch { detector = null; }
    }
    root.dataset.decoder = detector ? 'barcode-detector' : 'jsqr';
    startButton.hidden = true;
    stopButton.hidden = false;
    video.hidden = false;
    say('Point the camera at a ticket’s QR code.');
    requestAnimationFrame(scan);
  });

  stopButton.addEventListener('click', stop);

  function stop() {
    stream?.getTracks().forEach((t) => t.stop());
    stream = null;
    video.hidden = true;
    startButton.hidden = false;
    stopButton.hidden = true;
    say('Camera off.');
  }

  async function scan() {
    if (!stream) return;
    if (!busy && video.readyState >= 2) {
      const text = await read();
      const now = Date.now();
      // The same code in view for a while is one scan.
      if (text && !(text === last.text && now - last.at < 3000)) {
        last = { text, at: now };
        busy = true;
        await checkIn(text).finally(() => { busy = false; });
      }
    }
    setTimeout(() => requestAnimationFrame(scan), 120);
  }

  async function read() {
    if (detector) {
      const codes = await detector.detect(video).catch(() => []);
      return codes[0]?.rawValue || '';
    }
    if (!window.jsQR) return '';
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h) return '';
    const scale = Math.min(1, 640 / Math.max(w, h));
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    return window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' })?.data || '';
  }

  manual.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = manual.querySelector('input[name=token]');
    const text = input.value.trim();
    if (!text) return;
    await checkIn(text);
    input.value = '';
    input.focus();
  });

  async function checkIn(text) {
    let r;
    try {
      r = await fetch(`/api/v1/events/${eventId}/check-ins`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: text }),
      });
    } catch {
      return offline(text);
    }
    const body = await r.json().catch(() => ({}));
    if (r.ok) {
      const a = body.attendee || {};
      show('success', 'Admit:', `${a.attendee_name || a.buyer_name || ''} · ${a.ticket_type || ''} · ${a.ticket_code || ''}`);
      buzz([60]);
    } else if (r.status === 409) {
      show('warning', 'Already checked in.', body.error?.message || '');
      buzz([60, 80, 60]);
    } else {
      show('danger', 'Do not admit.', body.error?.message || `The server answered ${r.status}.`);
      buzz([200]);
    }
  }

  // Without a network: the signature and the revocation list decide; the check-in is sent
  // later (the server still checks each ticket in once).
  async function offline(text) {
    if (!list || !key) {
      show('danger', 'Offline, and no ticket list was downloaded.', 'Check the ticket by hand.');
      return;
    }
    const claim = await verify(text);
    if (!claim) {
      show('danger', 'Do not admit.', 'Not a genuine ticket code (checked offline).');
    } else if (claim.eventId !== eventId) {
      show('danger', 'Do not admit.', 'A ticket for another event (checked offline).');
    } else if (list.revoked.includes(claim.code)) {
      show('danger', 'Do not admit.', `Ticket ${claim.code} was cancelled (checked offline).`);
    } else if (offlineSeen.has(claim.code) || list.tickets.find((t) => t.code === claim.code)?.checked_in_at) {
      show('warning', 'Already checked in.', `Ticket ${claim.code} (checked offline).`);
    } else {
      offlineSeen.add(claim.code);
      pending.push(text);
      const t = list.tickets.find((x) => x.code === claim.code);
      show('success', 'Admit (offline):', `${t?.attendee_name || t?.buyer_name || ''} · ${t?.ticket_type || ''} · ${claim.code}. It is sent when the network is back.`);
    }
  }

  async function verify(text) {
    const parts = text.split('.');
    if (parts.length !== 3 || parts[0] !== 'T1') return null;
    let payload;
    let sig;
    try {
      payload = b64url(parts[1]);
      sig = b64url(parts[2]);
    } catch { return null; }
    if (payload.length < 10 || payload[0] !== 1) return null;
    const signed = new Uint8Array([...new TextEncoder().encode('evently-ticket\n'), ...payload]);
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, signed).catch(() => false);
    if (!ok) return null;
    const view = new DataView(payload.buffer, payload.byteOffset + 1, 8);
    return { eventId: Number(view.getBigUint64(0)), code: new TextDecoder().decode(payload.slice(9)) };
  }

  async function flush() {
    while (pending.length) {
      const text = pending[0];
      try {
        await fetch(`/api/v1/events/${eventId}/check-ins`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: text }),
        });
      } catch {
        return;
      }
      pending.shift();
    }
    say('Back online: the offline check-ins are sent.');
  }
}

function b64url(s) {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

function buzz(pattern) {
  if (navigator.vibrate) navigator.vibrate(pattern);
}
