// Random ids. crypto.randomUUID exists only on HTTPS pages, but
// crypto.getRandomValues works on plain HTTP too (a phone on the LAN).

function randomBytes(count) {
  return crypto.getRandomValues(new Uint8Array(count));
}

function hex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// A lowercase canonical version-4 UUID, as the server requires for record ids.
export function newRecordId() {
  const bytes = randomBytes(16);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const text = hex(bytes);
  return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
}

// A device id of the form d-<20 hex digits>, within [A-Za-z0-9_-]{1,64}.
export function newDeviceId() {
  return `d-${hex(randomBytes(10))}`;
}
