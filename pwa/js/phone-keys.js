// Phone numbers reduced to keys for finding duplicate customers: the digits
// without the country code and without an extension. They follow the keys of
// the spreadsheet importer (parse_phones in server/importer/values.py), so a
// number typed on the phone finds the customer an import stored with it.

// A field may contain several numbers, which the importer joins with " / ".
const SEPARATOR = /[/,，;；、|\n]|或|和/;
const EXTENSION = /(?:转|分机|ext\.?|x|#)\s*\d{1,6}\s*$/i;
// A landline with its extension after a last dash or space: 0571-88001234-801.
const DASHED_EXTENSION = /^(0\d{2,3}[-\s]?\d{7,8})[-\s]\d{1,6}$/;
const PUNCTUATION = /[\s\-().]/g;
const COUNTRY_CODE = /^(?:\+86|0086|\+)/;
const MOBILE = /^1[3-9]\d{9}$/;
// Shorter digit runs are a number still being typed, or no phone number.
const MIN_KEY_DIGITS = 7;

function numberKey(part) {
  const dashed = part.match(DASHED_EXTENSION);
  let compact = (dashed ? dashed[1] : part.replace(EXTENSION, '')).replace(PUNCTUATION, '');
  const country = compact.match(COUNTRY_CODE);
  if (country) {
    compact = compact.slice(country[0].length);
    // +86 571 8888 6666 is the landline 0571-88886666.
    if (!MOBILE.test(compact) && !compact.startsWith('0')) compact = `0${compact}`;
  } else if (compact.length === 13 && compact.startsWith('86') && MOBILE.test(compact.slice(2))) {
    compact = compact.slice(2);
  }
  const digits = compact.replace(/\D/g, '');
  return digits.length >= MIN_KEY_DIGITS ? digits : null;
}

// The keys of the numbers in a phone field, at most one per number. Full-width
// digits, which a Chinese keyboard may type, count as digits.
export function phoneKeys(phone) {
  const text = String(phone ?? '').normalize('NFKC');
  return text.split(SEPARATOR).map((part) => numberKey(part.trim())).filter(Boolean);
}
