// 设置: sections in order. Other modules add their own with
// registerSettingsSection (reminders add 开启提醒, for example).

import { app } from '../context.js';
import { h } from '../dom.js';
import { language, LANGUAGES, setLanguage, t } from '../i18n.js';
import { route, navigate } from '../router.js';
import { logOut } from '../session.js';
import { button, detailList, pageHeader, section } from '../ui.js';

const sections = [];

// Add a section to the settings screen. `render()` returns its content
// nodes and `title()` its heading in the current language. A lower `order`
// comes first. The section is hidden while `visible()` returns false.
export function registerSettingsSection({ id, order = 100, title, render, visible = () => true }) {
  const existing = sections.findIndex((item) => item.id === id);
  if (existing >= 0) sections.splice(existing, 1);
  sections.push({ id, order, title, render, visible });
  sections.sort((a, b) => a.order - b.order);
}

registerSettingsSection({
  id: 'language', order: 10, title: () => t('settings.language'),
  render: () => h('div', { class: 'segmented', attrs: { role: 'group' } }, LANGUAGES.map(({ code, name }) => h('button', {
    type: 'button', class: ['segment', language() === code && 'segment-active'], text: name, lang: code,
    dataset: { language: code }, attrs: { 'aria-pressed': String(language() === code) },
    on: { click: () => setLanguage(code) },
  }))),
});

registerSettingsSection({
  id: 'account', order: 20, title: () => t('settings.account'),
  render: () => {
    const user = app.user;
    return [
      detailList([
        [t('settings.user'), user ? t('common.with_code', { name: user.name ?? user.username, code: user.username }) : null],
        [t('settings.role'), user ? t(`role.${user.role}`) : null],
        [t('settings.device'), app.device],
      ]),
      button(t('settings.log_out'), async () => {
        const pending = app.store.unsyncedCount();
        const question = pending ? t('settings.log_out_pending', { count: pending }) : t('settings.log_out_confirm');
        if (!window.confirm(question)) return;
        await logOut();
        navigate('/login', { replace: true });
      }, 'danger'),
    ];
  },
});

registerSettingsSection({
  id: 'storage', order: 30, title: () => t('settings.storage'),
  render: () => {
    const caps = app.capabilities;
    let status;
    if (!app.store.persistent) status = t('storage.memory_only');
    else if (caps.persisted === true) status = t('storage.persisted');
    else status = t('storage.not_persisted');
    return [
      h('p', { text: status }),
      caps.installPrompt ? button(t('settings.install'), async () => {
        caps.installPrompt.prompt();
        await caps.installPrompt.userChoice;
        caps.installPrompt = null;
      }, 'primary') : null,
      caps.standalone ? h('p', { class: 'text-muted', text: t('settings.installed') })
        : caps.persisted === true ? h('p', { class: 'hint', text: t('settings.install_hint') }) : null,
    ];
  },
});

registerSettingsSection({
  id: 'about', order: 1000, title: () => t('settings.about'),
  render: () => detailList([
    [t('settings.version'), app.capabilities.shellVersion ?? t('settings.version_unknown')],
    [t('settings.offline_ready'), app.capabilities.serviceWorker ? t('common.yes') : t('common.no')],
  ]),
});

function render(params, page) {
  const refresh = () => page.refresh();
  document.addEventListener('languagechange', refresh);
  document.addEventListener('shellversion', refresh);
  page.onLeave(() => {
    document.removeEventListener('languagechange', refresh);
    document.removeEventListener('shellversion', refresh);
  });
  return h('div', { class: 'view view-settings' },
    pageHeader(t('settings.title')),
    sections.filter((item) => item.visible()).map((item) => h('div', { dataset: { section: item.id } }, section(item.title(), item.render()))));
}

route('/settings', { tab: 'settings', render });
