// What a page transfers, followed over the Chrome DevTools protocol: shared by the weight
// budget test (tests/budget.test.mjs) and the throttled measurement (perf/measure.mjs).

/** The kinds bytes are split into. */
export const BYTE_TYPES = ['document', 'script', 'wasm', 'css', 'images', 'other'];

const IMAGE_URL = /\.(svg|png|jpe?g|gif|webp|avif|ico)(\?|#|$)/i;

/** The kind of a tracked request (one of BYTE_TYPES). */
export function byteType(req) {
  const url = req.url ?? '';
  const mime = req.mimeType ?? '';
  if (req.type === 'Document') return 'document';
  if (req.type === 'Image' || IMAGE_URL.test(url) || mime.startsWith('image/')) return 'images';
  if (/\.wasm(\?|#|$)/.test(url) || mime === 'application/wasm') return 'wasm';
  if (req.type === 'Script' || /\.m?js(\?|#|$)/.test(url)) return 'script';
  if (req.type === 'Stylesheet' || /\.css(\?|#|$)/.test(url)) return 'css';
  return 'other';
}

/**
 * Follows every request of the page over `cdp` (call before `Network.enable`). Each request
 * records url, type, mimeType, status, response `headers`, the request headers Chromium
 * really sent (`sentHeaders`), `bytes` (encodedDataLength: body as received plus headers),
 * `done` and `failed`. `bytes()` splits what finished by type.
 */
export function trackRequests(cdp) {
  const requests = new Map();
  const sent = new Map();
  cdp.on('Network.requestWillBeSent', (e) => {
    requests.set(e.requestId, { url: e.request.url, type: e.type, done: false, bytes: 0, sentHeaders: sent.get(e.requestId) });
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
    // May come before or after requestWillBeSent.
    sent.set(e.requestId, e.headers);
    const r = requests.get(e.requestId);
    if (r) r.sentHeaders = e.headers;
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { type: e.type ?? r.type, mimeType: e.response.mimeType, status: e.response.status, headers: e.response.headers });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { done: true, bytes: e.encodedDataLength });
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { done: true, failed: e.errorText });
  });
  return {
    /** Requests not finished yet (the live WebSocket stays open and is not counted). */
    inFlight: () => [...requests.values()].filter((r) => !r.done && r.type !== 'WebSocket'),
    bytes() {
      const split = Object.fromEntries(BYTE_TYPES.map((t) => [t, 0]));
      for (const r of requests.values()) split[byteType(r)] += r.bytes;
      return { total: Object.values(split).reduce((a, b) => a + b, 0), ...split };
    },
    list: () => [...requests.values()],
  };
}
