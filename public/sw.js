// Evently's service worker: shows web push notifications and opens their page on a click.
// Pushes carry JSON {title, body, url, tag}, encrypted for this browser (aes128gcm); the
// push service cannot read them. `url` is a path on this site; anything else opens the
// notifications page.

const FALLBACK = '/notifications';

function pathOf(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : FALLBACK;
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch {
      data = { title: 'Evently', body: event.data.text() };
    }
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'Evently';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof data.body === 'string' ? data.body : '',
      tag: typeof data.tag === 'string' && data.tag ? data.tag : undefined,
      icon: '/favicon.svg',
      data: { url: pathOf(data.url) },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL(pathOf(event.notification.data && event.notification.data.url), self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const w of windows) {
        if (w.url === target && 'focus' in w) return w.focus();
      }
      return self.clients.openWindow(target);
    })(),
  );
});

// The browser renewed the subscription: tell the server the new one (the session cookie
// goes along; a signed-out browser simply stops getting pushes).
self.addEventListener('pushsubscriptionchange', (event) => {
  const renewed = event.newSubscription;
  if (!renewed) return;
  event.waitUntil(
    fetch('/api/v1/me/push-subscriptions', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(renewed.toJSON()),
    }).catch(() => {}),
  );
});
