// The event sales dashboard's live view: the live WebSocket (`/api/v1/live`, see
// `/api/live.md`) says when seats of this event move; the page's own server-rendered figures
// are then fetched (at most one request in flight, at most one a second) and swapped in
// place, charts included. No polling: nothing is fetched while nothing changes.
const root = document.getElementById("live-sales");
const eventId = Number(root?.dataset.eventId);
if (root && eventId > 0) {
  let busy = false, again = false, last = 0, retry = 1000, dropped = false;
  const label = () => root.querySelector("[data-live-label]");
  const refresh = async () => {
    if (busy) { again = true; return; }
    const wait = last + 1000 - Date.now();
    if (wait > 0) { busy = true; setTimeout(() => { busy = false; refresh(); }, wait); return; }
    busy = true; last = Date.now();
    try {
      const res = await fetch(location.href, { headers: { accept: "text/html" }, credentials: "same-origin" });
      if (res.ok) {
        const doc = new DOMParser().parseFromString(await res.text(), "text/html");
        const fresh = doc.getElementById("live-sales");
        if (fresh) {
          // Keep open "Show as table" panels open.
          const open = [...root.querySelectorAll("details[open]")].map((d) => d.closest("figure")?.id);
          root.innerHTML = fresh.innerHTML;
          for (const id of open) root.querySelector(`#${id} details`)?.setAttribute("open", "");
          root.dataset.updatedAt = String(Date.now());
        }
      }
    } catch (_) { /* the next change tries again */ }
    busy = false;
    if (again) { again = false; refresh(); }
  };
  const connect = () => {
    const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/live`);
    ws.onopen = () => {
      retry = 1000;
      root.dataset.live = "on";
      ws.send(JSON.stringify({ type: "subscribe", event_ids: [eventId] }));
      // Back after a drop: changes made meanwhile sent no update, and the label still says
      // "paused"; fetch the figures once.
      if (dropped) { dropped = false; refresh(); }
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (_) { return; }
      if (msg.type === "update" && msg.event_id === eventId) refresh();
    };
    ws.onclose = () => {
      dropped = true;
      root.dataset.live = "off";
      const l = label();
      if (l) l.textContent = "Live updates paused; reconnecting…";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  };
  connect();
}
