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

// The wall-clock parts of instant `ms` in `timeZone`.
export function zonedParts(ms, timeZone) {
  const parts = {};
  for (const { type, value } of partsFormatter(timeZone).formatToParts(new Date(ms))) {
    parts[type] = value;
  }
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    seconds: Number(parts.second),
  };
}

// Today's date (YYYY-MM-DD) in `timeZone` at instant `ms`.
export function todayIn(timeZone, ms) {
  return zonedParts(ms, timeZone).date;
}

// Add `days` to a YYYY-MM-DD date.
export function addDays(date, days) {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86400000;
  return new Date(ms).toISOString().slice(0, 10);
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
// `currentYear` is given and the stamp falls in it.
export function formatStampLocal(stamp, timeZone, currentYear = null) {
  if (!stamp) return '';
  const parts = zonedParts(Date.parse(stamp), timeZone);
  const date = currentYear && parts.date.startsWith(`${currentYear}-`) ? parts.date.slice(5) : parts.date;
  return `${date} ${parts.time}`;
}
