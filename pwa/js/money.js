// Money is integer fen. Forms take yuan as typed ("1234.5", "1,234.50",
// "¥1234") and parse the decimal text itself, never through a float, so
// 0.1 + 0.2 style rounding never changes an amount.

import { MAX_AMOUNT_FEN } from './schema.js';

const FULL_WIDTH = /[０-９．，]/g;

function halfWidth(text) {
  return text.replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

// Parse yuan text into fen. Returns {fen} or {error} where error is an i18n
// key: money.invalid (not a number), money.decimals (more than two decimal
// places), money.negative or money.too_large. Empty text returns {fen: null}.
// Reps also type 元 after the number and 万 for ten thousand yuan: "1.5万" is 15000.
export function parseYuan(input) {
  let text = halfWidth(String(input ?? '')).trim().replace(/^[¥￥]\s*/, '').replace(/,/g, '').replace(/\s*元$/, '');
  const tenThousands = text.endsWith('万');
  if (tenThousands) text = text.slice(0, -1).trim();
  if (text === '') return tenThousands ? { error: 'money.invalid' } : { fen: null };
  if (text.startsWith('-')) return { error: 'money.negative' };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text) || /^()\.(\d+)$/.exec(text);
  if (!match) return { error: 'money.invalid' };
  const [, whole, fraction = ''] = match;
  // Fen are the second decimal place of yuan, and the sixth of 万.
  const places = tenThousands ? 6 : 2;
  if (fraction.length > places) return { error: 'money.decimals' };
  const digits = (whole.replace(/^0+(?=\d)/, '') || '0') + fraction.padEnd(places, '0');
  if (digits.length > 15) return { error: 'money.too_large' };
  const fen = Number(digits);
  if (fen > MAX_AMOUNT_FEN) return { error: 'money.too_large' };
  return { fen };
}

// Format fen as ¥1,234.50.
export function formatFen(fen) {
  if (fen === null || fen === undefined) return '';
  const negative = fen < 0;
  const digits = String(Math.abs(fen)).padStart(3, '0');
  const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}¥${whole}.${digits.slice(-2)}`;
}

// Fen as the yuan text a form shows for editing: 123450 → "1234.50".
export function fenToYuanText(fen) {
  if (fen === null || fen === undefined) return '';
  const digits = String(fen).padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
