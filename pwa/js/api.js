// Requests to the Genzong server.

// The server could not be reached (offline, or the response was lost).
export class NetworkError extends Error {
  constructor(cause) {
    super(`network request failed: ${cause?.message ?? cause}`);
    this.name = 'NetworkError';
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
// or ApiError.
export function postJson(path, body, token = null) {
  return requestJson('POST', path, { body, token });
}

// Send a request (with `body` as JSON when given) and return the decoded
// response; throws NetworkError or ApiError.
export async function requestJson(method, path, { body = undefined, token = null } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new NetworkError(error);
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    if (response.ok) throw new NetworkError(error); // the body was cut off on the way
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
