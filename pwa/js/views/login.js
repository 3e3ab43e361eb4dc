// 登录. The token it gets stays valid offline for 30 days.

import { ApiError, NetworkError } from '../api.js';
import { app } from '../context.js';
import { h } from '../dom.js';
import { language, LANGUAGES, setLanguage, t } from '../i18n.js';
import { navigate, route } from '../router.js';
import { logIn } from '../session.js';
import { hideBanner } from '../ui.js';

function render(params) {
  const previous = app.session;
  const expired = app.sync?.state === 'unauthorized' && previous;
  const pending = app.store.unsyncedCount();
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const username = h('input', { id: 'username', name: 'username', value: previous?.user?.username ?? '',
    attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true } });
  const password = h('input', { id: 'password', name: 'password', type: 'password', attrs: { autocomplete: 'current-password', required: true } });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', text: t('login.submit') });
  const expiredNotice = expired ? h('p', { class: 'notice notice-warning', text: t('login.expired') }) : null;

  const form = h('form', { class: 'form login-form', attrs: { novalidate: true } },
    h('div', { class: 'field' }, h('label', { attrs: { for: 'username' }, text: t('login.username') }), username),
    h('div', { class: 'field' }, h('label', { attrs: { for: 'password' }, text: t('login.password') }), password),
    error, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const name = username.value.trim();
    if (!name || !password.value) {
      error.textContent = t('login.missing');
      return;
    }
    if (previous && pending && previous.user.username !== name
        && !window.confirm(t('login.other_user_pending', { name: previous.user.name ?? previous.user.username, count: pending }))) return;
    submit.disabled = true;
    try {
      await logIn(name, password.value);
      app.sync.setState('idle');
      app.sync.syncNow();
      document.dispatchEvent(new CustomEvent('login'));
      const next = params.query.get('next');
      navigate(next && next.startsWith('/') && !next.startsWith('/login') ? next : '/today', { replace: true });
    } catch (failure) {
      if (failure instanceof NetworkError) error.textContent = t('login.offline');
      else if (failure instanceof ApiError && failure.status === 401) error.textContent = t('login.failed');
      else if (failure instanceof ApiError) error.textContent = (language() === 'en' ? failure.serverMessageEn : failure.serverMessage) ?? t('login.error', { status: failure.status });
      else error.textContent = t('login.error', { status: failure?.message ?? '' });
      // The server names a disabled account only after the password matched.
      // The outbox contains the previous user's changes, so they are only this rep's when the names match.
      if (failure?.code === 'account_disabled') {
        // Logging in again cannot help, so the expired-login notice and banner that suggest it are hidden.
        if (expiredNotice) expiredNotice.hidden = true;
        hideBanner('session');
        if (pending && previous?.user?.username === name) {
          error.textContent += (language() === 'en' ? ' ' : '') + t('login.disabled_pending', { count: pending });
        }
      }
      password.select();
    } finally {
      submit.disabled = false;
    }
  });

  return h('div', { class: 'view view-login' },
    h('div', { class: 'login-brand' },
      h('img', { src: '/icons/icon.svg', alt: '', width: 72, height: 72 }),
      h('h2', { text: t('app.name') }),
      h('p', { class: 'subtitle', text: t('login.tagline') })),
    expiredNotice,
    form,
    h('div', { class: 'language-switch' }, LANGUAGES.map(({ code, name }) => h('button', {
      type: 'button', class: ['link-button', language() === code && 'active'], text: name, lang: code, dataset: { language: code },
      on: { click: () => setLanguage(code) },
    }))));
}

route('/login', { tab: null, public: true, render });
