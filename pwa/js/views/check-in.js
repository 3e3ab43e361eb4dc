// 拜访签到: a visit follow-up may carry a check-in, the time and the
// browser's position, recorded offline. A check-in can be marked as the
// customer's place, which sets the customer's location; every check-in then
// shows its distance from that place.

import { app } from '../context.js';
import { distanceMetres, distanceParts, isLocation, locate } from '../geo.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { button, formatStamp } from '../ui.js';

export const VISIT_CHANNEL = '拜访';

// "120 米" or "1.25 公里".
export function formatDistance(metres) {
  const { value, unit } = distanceParts(metres);
  return t(unit === 'm' ? 'check_in.metres' : 'check_in.kilometres', { value });
}

function distanceText(customer, location) {
  if (!isLocation(customer?.location) || !isLocation(location)) return null;
  const metres = distanceMetres(customer.location, location);
  return metres < 1 ? t('check_in.at_place') : t('check_in.distance', { distance: formatDistance(metres) });
}

// The check-in block of the follow-up form. It fills `state.checkIn` with
// {location, at} when a position is read, and `state.markPlace()` returns
// whether the rep marked it as the customer's place.
export function checkInField(state, customer) {
  const status = h('p', { class: 'hint check-in-status', id: 'check-in-status', attrs: { 'aria-live': 'polite' } });
  const place = h('input', { type: 'checkbox', id: 'check-in-place', checked: !isLocation(customer.location) });
  const placeRow = h('label', { class: 'checkbox', hidden: true }, place,
    isLocation(customer.location) ? t('check_in.replace_place') : t('check_in.mark_place'));
  const run = async () => {
    status.classList.remove('text-danger');
    status.textContent = t('check_in.locating');
    const result = await locate();
    if (result.error) {
      state.checkIn = null;
      placeRow.hidden = true;
      status.classList.add('text-danger');
      status.textContent = t(`check_in.error_${result.error}`);
      return;
    }
    state.checkIn = { location: result.location, at: new Date(app.now()).toISOString() };
    placeRow.hidden = false;
    const where = distanceText(customer, result.location);
    const values = { time: formatStamp(state.checkIn.at), accuracy: result.location.accuracy, where };
    status.textContent = where ? t('check_in.done_near', values) : t('check_in.done', values);
  };
  state.markPlace = () => Boolean(state.checkIn) && place.checked;
  return h('div', { class: 'field field-wide check-in-field', id: 'check-in' },
    h('span', { class: 'label', text: t('check_in.title') }),
    h('p', { class: 'hint', text: t('check_in.hint') }),
    h('div', { class: 'check-in' }, button(t('check_in.button'), run, 'secondary', { id: 'check-in-button' })),
    status,
    placeRow);
}

// The line a follow-up with a check-in shows in the customer's timeline, or null.
export function checkInSummary(followUp, customer) {
  if (!followUp.checked_in_at && !isLocation(followUp.location)) return null;
  const parts = [followUp.checked_in_at ? t('check_in.checked_in_at', { time: formatStamp(followUp.checked_in_at) }) : t('check_in.checked_in')];
  if (followUp.location?.accuracy) parts.push(t('check_in.accuracy', { accuracy: followUp.location.accuracy }));
  const distance = distanceText(customer, followUp.location);
  if (distance) parts.push(distance);
  return h('p', { class: 'check-in-summary text-muted', text: parts.join(' · ') });
}
