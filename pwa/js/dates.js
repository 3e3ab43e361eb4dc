// Business dates and times in the organisation's time zone.
//
// Date-only fields are YYYY-MM-DD in the organisation's zone; timestamps are
// UTC. "Today", "due" and "overdue" are decided in that zone, whatever zone
// the phone is set to.

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const formatters = new Map();

function partsFormatter(timeZone) {
  if (!formatters.has(timeZone)) {
    formatters.set(timeZone, new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }));
  }
  return formatters.get(timeZone);
}

// `name` when Intl supports that time zone, else the default zone.
export function validTimeZone(name) {
  if (typeof name !== 'string' || !name) return DEFAULT_TIME_ZONE;
  try {
    partsFormatter(name);
    return name;
  } catch {
    return DEFAULT_TIME_ZONE;
  }
}

// time zone → Map(instant in ms → frozen zonedParts result). Each reminder
// check needs the date of every customer's last activity for the pool
// warnings, and the same stamps come back check after check. In a profile
// of a 10,000-customer login (Chromium 156), formatToParts took about half
// of those checks' time.
const partsCache = new Map();
// A zone's cache is emptied when it reaches this many instants, which
// bounds its memory and still covers a check over 10,000 customers' stamps.
const PARTS_CACHE_MAX = 50000;

// The wall-clock parts {date, time, seconds} of instant `ms` in
// `timeZone`, as a frozen object shared by calls with the same arguments.
export function zonedParts(ms, timeZone) {
  const known = partsCache.get(timeZone)?.get(ms);
  if (known) return known;
  const parts = {};
  for (const { type, value } of partsFormatter(timeZone).formatToParts(new Date(ms))) {
    parts[type] = value;
  }
  if (!partsCache.has(timeZone)) partsCache.set(timeZone, new Map());
  const cache = partsCache.get(timeZone);
  const result = Object.freeze({
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    seconds: Number(parts.second),
  });
  if (cache.size >= PARTS_CACHE_MAX) cache.clear();
  cache.set(ms, result);
  return result;
}

// Today's date (YYYY-MM-DD) in `timeZone` at instant `ms`.
export function todayIn(timeZone, ms) {
  return zonedParts(ms, timeZone).date;
}

// "date|days" → the date `days` later. The pool rule adds each customer's
// pool days to its last activity date on every reminder check, and those
// dates repeat across customers and checks.
const laterDates = new Map();
const LATER_DATES_MAX = 10000;

// Add `days` to a YYYY-MM-DD date.
export function addDays(date, days) {
  const key = `${date}|${days}`;
  const known = laterDates.get(key);
  if (known !== undefined) return known;
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86400000;
  const later = new Date(ms).toISOString().slice(0, 10);
  if (laterDates.size >= LATER_DATES_MAX) laterDates.clear();
  laterDates.set(key, later);
  return later;
}

export function isDate(text) {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

// The UTC instant (ms) of wall time `date` `time` (HH:MM) in `timeZone`.
// The zone's offset is read at the guessed instant and read again at the
// corrected one, which settles it also next to a daylight-saving change.
export function zonedToUtc(date, time, timeZone) {
  const wall = Date.parse(`${date}T${time}:00Z`);
  let guess = wall;
  for (let i = 0; i < 3; i += 1) {
    const parts = zonedParts(guess, timeZone);
    const seen = Date.parse(`${parts.date}T${parts.time}:00Z`) + parts.seconds * 1000;
    const corrected = guess + (wall - seen);
    if (corrected === guess) break;
    guess = corrected;
  }
  return guess;
}

// The value of a datetime-local input ("YYYY-MM-DDTHH:MM") for a UTC stamp.
export function stampToLocalInput(stamp, timeZone) {
  if (!stamp) return '';
  const parts = zonedParts(Date.parse(stamp), timeZone);
  return `${parts.date}T${parts.time}`;
}

// The UTC stamp for a datetime-local input's value, or null when empty or invalid.
export function localInputToStamp(value, timeZone) {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(value || '');
  if (!match || !isDate(match[1])) return null;
  return new Date(zonedToUtc(match[1], match[2], timeZone)).toISOString();
}

// "2026-12-04 16:15" for a UTC stamp, in `timeZone`; "12-04 16:15" when
// `currentYear` is given and the stamp falls in it; "… 16:15:07" with `seconds`.
export function formatStampLocal(stamp, timeZone, currentYear = null, { seconds = false } = {}) {
  if (!stamp) return '';
  const parts = zonedParts(Date.parse(stamp), timeZone);
  const date = currentYear && parts.date.startsWith(`${currentYear}-`) ? parts.date.slice(5) : parts.date;
  const time = seconds ? `${parts.time}:${String(parts.seconds).padStart(2, '0')}` : parts.time;
  return `${date} ${time}`;
}
