// Web push on this device (the account page's "Notifications on your devices" card).
// Registers the service worker (/sw.js), subscribes through the browser's push service with
// the server's VAPID key (data-key), and gives the subscription to the server
// (POST /api/v1/me/push-subscriptions); turning off unsubscribes and tells the server
// (DELETE with the endpoint). The list of devices under it is the server's.
const root = document.getElementById('push');
if (root && root.dataset.key) start(root);

function keyBytes(b64url) {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64url.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

async function start(root) {
  const status = root.querySelector('[data-status]');
  const on = root.querySelector('[data-on]');
  const off = root.querySelector('[data-off]');
  const say = (text) => { status.textContent = text; };
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    say('This browser cannot show notifications from websites. You still get e-mail and your notifications page.');
    return;
  }
  let registration;
  try {
    registration = await navigator.serviceWorker.register('/sw.js');
  } catch {
    say('Notifications could not be set up in this browser (the service worker did not start).');
    return;
  }
  const show = (subscribed) => {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    if (Notification.permission === 'denied') {
      say('Notifications are blocked for this site. Allow them in your browser’s site settings, then reload this page.');
      on.hidden = true;
    } else {
      say(subscribed ? 'This device gets notifications.' : 'This device does not get notifications.');
    }
  };
  const current = await registration.pushManager.getSubscription().catch(() => null);
  show(Boolean(current));

  on.addEventListener('click', async () => {
    on.disabled = true;
    say('Asking your browser…');
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        show(false);
        return;
      }
      const sub = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(root.dataset.key),
      });
      const r = await fetch('/api/v1/me/push-subscriptions', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(sub.toJSON()),
      });
      if (!r.ok) {
        const body = await r.json().catch(() => ({}));
        await sub.unsubscribe().catch(() => {});
        say((body.error && body.error.message) || 'The server did not accept this device. Please try again.');
        return;
      }
      location.reload();
    } catch {
      say('Your browser could not reach its push service, so notifications are not on. Please try again later.');
    } finally {
      on.disabled = false;
    }
  });

  off.addEventListener('click', async () => {
    off.disabled = true;
    try {
      const sub = await registration.pushManager.getSubscription();
      if (sub) {
        await fetch('/api/v1/me/push-subscriptions', {
          method: 'DELETE',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ endpoint: sub.endpoint }),
        });
        await sub.unsubscribe();
      }
      location.reload();
    } catch {
      say('Notifications could not be turned off here; remove the device from the list below instead.');
    } finally {
      off.disabled = false;
    }
  });
}
