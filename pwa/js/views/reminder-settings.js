// 提醒 in 设置: 开启提醒 asks for the Notification permission, turns on
// notifications from the device's own records and subscribes to the
// server's Web Push; 关闭提醒 undoes both. The section says plainly when the
// browser refuses notifications or cannot push, and that the 今日 screen and
// the team chat robot back push up.

import { app } from '../context.js';
import { h, replace } from '../dom.js';
import { addMessages, language, t } from '../i18n.js';
import { notificationPermission, remindersEnabled, setRemindersEnabled } from '../notifications.js';
import { pushStatus, refreshPush } from '../push.js';
import { button } from '../ui.js';
import { registerSettingsSection } from './settings.js';

addMessages({
  zh: {
    'reminders.title': '提醒',
    'reminders.enable': '开启提醒',
    'reminders.disable': '关闭提醒',
    'reminders.intro': '开启后，到期的跟进、回款和工单答复会以通知提醒你；应用关闭时，服务器也会把提醒推送到这台设备。',
    'reminders.on': '提醒已开启：到期事项会在这台设备上通知你。',
    'reminders.unsupported': '这个浏览器不能显示通知。到期事项仍会列在「今日」页面。',
    'reminders.unsupported_ios': '在 iPhone 和 iPad 上，请先在 Safari 中点「分享」→「添加到主屏幕」，再从主屏幕打开本应用并开启提醒。',
    'reminders.insecure': '通知需要安全连接。请通过 https:// 开头的地址打开本应用后再开启提醒。',
    'reminders.denied': '这个浏览器已禁止本站发送通知。如需提醒，请在浏览器的网站设置中把「通知」改为「允许」，再回到这里点「开启提醒」。到期事项仍会列在「今日」页面。',
    'reminders.dismissed': '还没有允许通知。再点一次「开启提醒」，并在弹出的询问中选择「允许」。',
    'reminders.push_on': '推送已开启：应用关闭时也能收到提醒。',
    'reminders.push_pending': '正在开启推送…',
    'reminders.push_offline': '现在没有网络，联网后会自动开启推送。',
    'reminders.push_unavailable': '这个浏览器没有可用的推送服务，应用关闭时收不到推送；打开应用时仍会提醒你。',
    'reminders.push_unsupported': '这个浏览器不支持推送，应用关闭时收不到提醒；打开应用时仍会提醒你。',
    'reminders.push_failed': '开启推送失败：{detail}。请稍后再试。',
    'reminders.china_hint': '很多国产手机（如华为、小米、OPPO、vivo）会限制浏览器在后台运行，或连不上浏览器的推送服务，推送可能延迟甚至收不到。请每天打开「今日」页面查看到期事项；管理员也可以把每个人的提醒发到团队的企业微信或钉钉群。',
  },
  en: {
    'reminders.title': 'Reminders',
    'reminders.enable': 'Turn on reminders',
    'reminders.disable': 'Turn off reminders',
    'reminders.intro': 'When on, follow-ups, payments and ticket replies that fall due appear as notifications, and the server also pushes them to this device while the app is closed.',
    'reminders.on': 'Reminders are on: this device notifies you of items that fall due.',
    'reminders.unsupported': 'This browser cannot show notifications. Items that fall due are still listed on the Today screen.',
    'reminders.unsupported_ios': 'On iPhone and iPad, first tap Share → Add to Home Screen in Safari, then open the app from the home screen and turn on reminders.',
    'reminders.insecure': 'Notifications need a secure connection. Open the app at its https:// address, then turn on reminders.',
    'reminders.denied': 'This browser blocks notifications from this site. To get reminders, allow notifications in the browser\'s site settings, then come back and tap Turn on reminders. Items that fall due are still listed on the Today screen.',
    'reminders.dismissed': 'Notifications are not allowed yet. Tap Turn on reminders again and choose Allow when the browser asks.',
    'reminders.push_on': 'Push is on: reminders arrive while the app is closed.',
    'reminders.push_pending': 'Turning on push…',
    'reminders.push_offline': 'There is no connection now; push turns on when you are online.',
    'reminders.push_unavailable': 'This browser has no push service, so no reminders arrive while the app is closed; the app still reminds you when it is open.',
    'reminders.push_unsupported': 'This browser does not support push, so no reminders arrive while the app is closed; the app still reminds you when it is open.',
    'reminders.push_failed': 'Push could not be turned on: {detail}. Try again later.',
    'reminders.china_hint': 'Many phones sold in China (Huawei, Xiaomi, OPPO, vivo and others) stop browsers running in the background or cannot reach the browser\'s push service, so push may come late or not at all. Check the Today screen every day; an admin can also send everyone\'s reminders to the team\'s WeCom or DingTalk group.',
  },
});

let dismissed = false; // the permission prompt was closed without an answer

function failureDetail(error) {
  if (!error) return '';
  const fromServer = language() === 'en' ? error.serverMessageEn ?? error.serverMessage : error.serverMessage;
  return fromServer ?? error.message ?? String(error);
}

function pushLine() {
  const state = pushStatus.state;
  if (state === 'off') return null;
  const text = state === 'failed' ? t('reminders.push_failed', { detail: failureDetail(pushStatus.error) })
    : t(`reminders.push_${state}`);
  const warning = ['failed', 'unavailable', 'unsupported'].includes(state);
  return h('p', { class: ['reminder-push', warning ? 'notice notice-warning' : 'text-muted'], dataset: { pushState: state }, text });
}

async function enable() {
  dismissed = false;
  let permission = notificationPermission();
  if (permission === 'default') permission = await Notification.requestPermission();
  if (permission === 'granted') {
    await setRemindersEnabled(true);
    refreshPush();
  } else if (permission === 'default') {
    dismissed = true;
  }
  redraw();
}

async function disable() {
  await setRemindersEnabled(false);
  await refreshPush();
  redraw();
}

// The status paragraph and the button for the current permission and setting.
function statusParts() {
  const permission = notificationPermission();
  if (!window.isSecureContext) return [h('p', { class: 'notice notice-warning', text: t('reminders.insecure') })];
  if (permission === 'unsupported') {
    return [h('p', { class: 'notice notice-warning', text: t(app.capabilities.safari ? 'reminders.unsupported_ios' : 'reminders.unsupported') })];
  }
  if (permission === 'denied') return [h('p', { class: 'notice notice-warning', attrs: { role: 'alert' }, text: t('reminders.denied') })];
  if (permission === 'granted' && remindersEnabled()) {
    return [h('p', { text: t('reminders.on') }), pushLine(), button(t('reminders.disable'), disable, 'secondary', { id: 'reminders-off' })];
  }
  return [
    h('p', { text: t('reminders.intro') }),
    dismissed ? h('p', { class: 'notice notice-warning', attrs: { role: 'alert' }, text: t('reminders.dismissed') }) : null,
    button(t('reminders.enable'), enable, 'primary', { id: 'reminders-on' }),
  ];
}

let shown = null; // the section's body as last rendered

function fill(body) {
  return replace(body, statusParts(), h('p', { class: 'hint', text: t('reminders.china_hint') }));
}

function redraw() {
  if (shown?.isConnected) fill(shown);
}

pushStatus.addEventListener('change', redraw);

registerSettingsSection({
  id: 'reminders', order: 15, title: () => t('reminders.title'),
  render: () => {
    shown = fill(h('div', { class: 'reminder-settings' }));
    return shown;
  },
});
