// Requests of the 导入与导出 screen: POST /api/import with the file as the
// body, following its NDJSON progress lines, and GET /api/export.

import { ApiError, NetworkError } from './api.js';

export const MAX_IMPORT_BYTES = 32 * 1024 * 1024; // the server's limit for one upload
export const KINDS = ['customers', 'receivables', 'tickets'];

// The response stopped before its last line, so whether a real import was
// committed is unknown (it is committed whole or not at all).
export class ResponseLostError extends Error {
  constructor(cause) {
    super(`the response was cut off: ${cause?.message ?? cause}`);
    this.name = 'ResponseLostError';
  }
}

// Call onLine(value) for each line of an NDJSON byte stream. A character
// split between two chunks is decoded once both have arrived.
export async function readNdjson(stream, onLine) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n');
    while (end >= 0) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (line) onLine(JSON.parse(line));
      end = buffer.indexOf('\n');
    }
    if (done) break;
  }
  if (buffer.trim()) onLine(JSON.parse(buffer));
}

function importUrl({ fileName, kind, owner, dryRun }) {
  const params = new URLSearchParams({ filename: fileName, stream: '1' });
  if (kind) params.set('kind', kind);
  if (owner) params.set('owner', owner);
  if (dryRun) params.set('dry_run', '1');
  return `/api/import?${params}`;
}

// Send the ledger's bytes to the server for a dry run or a real import.
// onProgress({stage, done, total}) follows the server's progress lines.
//
// Resolves to {ok: true, report} or, when the server rejected the file,
// {ok: false, status, error: {error, message, message_en, report?}}.
// Throws NetworkError when the request could not be sent or no response
// arrived, and ResponseLostError when the response broke off after it began.
export async function sendLedger(bytes, options, token, onProgress = () => {}) {
  let response;
  try {
    response = await fetch(importUrl(options), {
      method: 'POST', body: bytes, cache: 'no-store',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (!response.ok) {
    // Errors found before the import starts (login, role, size, kind) come as one JSON object.
    let body = null;
    try {
      body = await response.json();
    } catch {
      // A proxy's error page: the status code alone identifies the failure.
    }
    return { ok: false, status: response.status, error: body ?? { error: `http_${response.status}` } };
  }
  let outcome = null;
  try {
    await readNdjson(response.body, (line) => {
      if (line.progress) onProgress(line.progress);
      else outcome = line;
    });
  } catch (error) {
    throw new ResponseLostError(error);
  }
  if (!outcome) throw new ResponseLostError(new Error('no final line'));
  if (outcome.report) return { ok: true, report: outcome.report };
  return { ok: false, status: outcome.status, error: outcome.error };
}

// The file name of a download, from Content-Disposition's filename* (RFC 6266).
export function downloadName(header, fallback) {
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header ?? '');
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // A malformed escape: use the fallback.
    }
  }
  return fallback;
}

// Fetch a ledger as .xlsx; resolves to {blob, name}. Throws NetworkError or ApiError.
export async function fetchLedger(kind, token) {
  let response;
  try {
    response = await fetch(`/api/export?kind=${encodeURIComponent(kind)}`, {
      cache: 'no-store', headers: { Authorization: `Bearer ${token}` },
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      // No JSON error body: ApiError keeps the status.
    }
    throw new ApiError(response.status, body);
  }
  let blob;
  try {
    blob = await response.blob();
  } catch (error) {
    throw new NetworkError(error);
  }
  return { blob, name: downloadName(response.headers.get('Content-Disposition'), `${kind}.xlsx`) };
}

// Hand a blob to the browser as a download named `name`.
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once, so the browser has time to start reading it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
