// The REST API from a test: JSON in and out, a Bearer token when given, a 20 s limit.
import assert from 'node:assert/strict';

/** Calls for a server at `baseUrl`: `api` (a Response), `json` (asserts the status, parses),
 *  `login` (an access token). */
export function apiClient(baseUrl) {
  const api = (p, { method = 'GET', token, body, headers = {} } = {}) =>
    fetch(`${baseUrl()}${p}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(20_000),
    });
  const json = async (res, status, what) => {
    const text = await res.text();
    assert.equal(res.status, status, `${what}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const login = async (account) =>
    (await json(await api('/api/v1/auth/login', { method: 'POST', body: account }), 200, 'sign-in')).access_token;
  return { api, json, login };
}

/** Creates and publishes an event (as `organizerToken`) with one free ticket type. */
export async function publishedEvent({ api, json }, organizerToken, { title, description, venue, daysAhead = 5, capacity = 20 }) {
  const start = Date.now() + daysAhead * 86_400_000;
  const event = await json(await api('/api/v1/events', {
    method: 'POST',
    token: organizerToken,
    body: {
      title, description, venue, city: 'Berlin', category: 'music',
      starts_at: new Date(start).toISOString(),
      ends_at: new Date(start + 3 * 3_600_000).toISOString(),
      ticket_types: [{ name: 'Standing', price_cents: 0, capacity }],
    },
  }), 201, 'creating the event');
  await json(await api(`/api/v1/events/${event.id}/publish`, { method: 'POST', token: organizerToken }), 200, 'publishing');
  return event;
}
