// Requests to the Genzong server.

// The server could not be reached (offline, or the response was lost).
// `timedOut` is true when the request was abandoned after a stall.
export class NetworkError extends Error {
  constructor(cause, { timedOut = false } = {}) {
    super(`network request failed: ${cause?.message ?? cause}`);
    this.name = 'NetworkError';
    this.timedOut = timedOut;
  }
}

// The server responded with an error status; `code` and the messages come
// from its JSON error body when it sent one.
export class ApiError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}: ${body?.error ?? ''}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = body?.error ?? `http_${status}`;
    this.serverMessage = body?.message ?? null;
    this.serverMessageEn = body?.message_en ?? null;
  }
}

// POST `body` as JSON and return the decoded response; throws NetworkError
// or ApiError. `options` are those of requestJson besides body and token.
export function postJson(path, body, token = null, options = {}) {
  return requestJson('POST', path, { ...options, body, token });
}

// Send a request (with `body` as JSON when given) and return the decoded
// response; throws NetworkError or ApiError. With `stallMs`, a request that
// receives no response headers and no body bytes for that many milliseconds
// is aborted and throws NetworkError with `timedOut`, because a dead mobile
// link can leave the socket open with no error.
export async function requestJson(method, path, { body = undefined, token = null, stallMs = null } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) init.body = JSON.stringify(body);
  const watchdog = stallMs ? new StallWatchdog(stallMs) : null;
  if (watchdog) init.signal = watchdog.signal;
  try {
    return await fetchJson(path, init, watchdog);
  } catch (error) {
    if (watchdog?.fired && !(error instanceof ApiError)) throw new NetworkError(error, { timedOut: true });
    throw error;
  } finally {
    watchdog?.stop();
  }
}

async function fetchJson(path, init, watchdog) {
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new NetworkError(error);
  }
  let data = null;
  try {
    data = JSON.parse(await readText(response, watchdog));
  } catch (error) {
    if (response.ok) throw new NetworkError(error); // the body was cut off on the way
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Read the body as text, restarting the watchdog at each chunk, so a slow
// response is not abandoned while its bytes keep arriving.
async function readText(response, watchdog) {
  if (!watchdog || !response.body) return response.text();
  watchdog.restart();
  const reader = response.body.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    watchdog.restart();
  }
  return new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
}

// Aborts a request after `stallMs` without progress; restart() marks progress.
class StallWatchdog {
  constructor(stallMs) {
    this.stallMs = stallMs;
    this.controller = new AbortController();
    this.signal = this.controller.signal;
    this.fired = false;
    this.timer = null;
    this.restart();
  }

  restart() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.stallMs);
  }

  stop() {
    clearTimeout(this.timer);
  }
}
