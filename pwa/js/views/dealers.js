// 经销点: every user sees the dealers, and managers and admins create, edit
// and delete them. The server rejects a rep's write with permission_denied,
// so these screens offer a rep no edit. This module also has the dealer
// picker of the customer and receivable forms, and the management links of
// the settings screen.

import { app } from '../context.js';
import { h } from '../dom.js';
import { deleteButton } from '../deletion.js';
import { saveRecord } from '../edits.js';
import { buildForm } from '../forms.js';
import { fieldLabel, t } from '../i18n.js';
import { canEdit } from '../permissions.js';
import { navigate, route } from '../router.js';
import { TABLES } from '../schema.js';
import {
  callButtons, chip, detailList, emptyState, formHistorySection, historySection, linkButton, pageHeader, savedToast,
} from '../ui.js';
import { registerSettingsSection } from './settings.js';

const SPEC = TABLES.dealers.fields;

function byRegionAndName(a, b) {
  return String(a.region ?? '').localeCompare(String(b.region ?? ''), 'zh-CN')
    || String(a.name).localeCompare(String(b.name), 'zh-CN');
}

function mayWrite() {
  return canEdit('dealers', { id: null });
}

// The {value, label} options of a dealer picker: "杭州西湖经销点（浙江）".
export function dealerOptions() {
  return app.store.list('dealers').sort(byRegionAndName).map((dealer) => ({
    value: dealer.id, label: dealer.region ? t('dealer.with_region', { name: dealer.name, region: dealer.region }) : dealer.name,
  }));
}

// The dealer picker field for a form of `table` (customers or receivables).
export function dealerField(table) {
  return { name: 'dealer_id', label: fieldLabel(table, 'dealer_id'), type: 'select', options: dealerOptions(),
    emptyLabel: t('dealer.none') };
}

function linkedCounts(dealerId) {
  const customers = app.store.list('customers').filter((row) => row.dealer_id === dealerId).length;
  const receivables = app.store.list('receivables').filter((row) => row.dealer_id === dealerId).length;
  return { customers, receivables };
}

function dealerCard(dealer) {
  return h('li', { class: 'card dealer', dataset: { id: dealer.id } },
    h('a', { class: 'card-link', href: `#/dealer/${dealer.id}` },
      h('div', { class: 'card-row' },
        h('span', { class: 'card-title', text: dealer.name }),
        dealer.region ? chip(dealer.region) : null),
      h('div', { class: 'card-detail', text: [dealer.contact, dealer.phone].filter(Boolean).join(' · ') }),
      dealer.address ? h('div', { class: 'card-meta' }, h('span', { text: dealer.address })) : null));
}

function renderList(params, page) {
  page.rerenderOnChange(app.store);
  const dealers = app.store.list('dealers').sort(byRegionAndName);
  const actions = mayWrite() ? [linkButton(t('dealer.new'), '#/dealer/new', 'primary')] : [];
  return h('div', { class: 'view view-dealers' },
    pageHeader(t('dealer.title'), { back: '#/settings', actions }),
    mayWrite() ? null : h('p', { class: 'notice', text: t('dealer.read_only') }),
    h('p', { class: 'result-count', text: t('dealer.count', { count: dealers.length }) }),
    dealers.length ? h('ul', { class: 'cards' }, dealers.map(dealerCard)) : emptyState(t('dealer.empty')));
}

function renderDetail(params, page) {
  page.rerenderOnChange(app.store);
  const dealer = app.store.get('dealers', params.id);
  if (!dealer) {
    return h('div', { class: 'view' }, pageHeader(t('dealer.title'), { back: '#/dealers' }), emptyState(t('dealer.not_found')));
  }
  const counts = linkedCounts(dealer.id);
  return h('div', { class: 'view view-dealer' },
    pageHeader(dealer.name, { back: '#/dealers' }),
    h('div', { class: 'card' },
      detailList([
        [fieldLabel('dealers', 'region'), dealer.region],
        [fieldLabel('dealers', 'contact'), dealer.contact],
        [fieldLabel('dealers', 'phone'), dealer.phone],
        [fieldLabel('dealers', 'address'), dealer.address],
        [fieldLabel('dealers', 'notes'), dealer.notes],
        [t('dealer.customers'), String(counts.customers)],
        [t('dealer.receivables'), String(counts.receivables)],
      ]),
      h('div', { class: 'actions' },
        callButtons(dealer.phone),
        canEdit('dealers', dealer) ? linkButton(t('common.edit'), `#/dealer/${dealer.id}/edit`, 'primary') : null)),
    historySection('dealers', dealer.id));
}

function renderForm(params, page) {
  const creating = !params.id;
  const dealer = creating ? null : app.store.get('dealers', params.id);
  const title = creating ? t('dealer.new_title') : t('dealer.edit_title');
  const back = creating ? '#/dealers' : `#/dealer/${params.id}`;
  if (!mayWrite() || (!creating && !dealer)) {
    return h('div', { class: 'view' }, pageHeader(title, { back }),
      emptyState(!creating && !dealer ? t('dealer.not_found') : t('dealer.read_only')));
  }
  const label = (name) => fieldLabel('dealers', name);
  const form = buildForm({
    fields: [
      { name: 'name', label: label('name'), required: true, maxLength: SPEC.name.maxLength },
      { name: 'region', label: label('region'), maxLength: SPEC.region.maxLength, hint: t('dealer.region_hint') },
      { name: 'contact', label: label('contact'), maxLength: SPEC.contact.maxLength },
      { name: 'phone', label: label('phone'), type: 'tel', maxLength: SPEC.phone.maxLength },
      { name: 'address', label: label('address'), maxLength: SPEC.address.maxLength },
      { name: 'notes', label: label('notes'), type: 'textarea', maxLength: SPEC.notes.maxLength },
    ],
    values: dealer ?? {},
    submitLabel: creating ? t('dealer.create') : t('form.save'),
    validate: (values) => {
      const taken = app.store.list('dealers').some((row) => row.id !== dealer?.id && row.name === values.name);
      return taken ? { name: t('dealer.name_taken', { name: values.name }) } : {};
    },
    onSubmit: async (changes) => {
      const id = creating ? await saveRecord('dealers', null, changes)
        : (Object.keys(changes).length ? await saveRecord('dealers', dealer.id, changes) : dealer.id);
      savedToast();
      navigate(`/dealer/${id}`, { replace: true });
    },
    footer: creating ? null : deleteButton({
      table: 'dealers', id: dealer.id, backTo: '/dealers',
      question: () => {
        const counts = linkedCounts(dealer.id);
        return counts.customers || counts.receivables
          ? t('dealer.delete_linked_confirm', { name: dealer.name, ...counts }) : t('dealer.delete_confirm', { name: dealer.name });
      },
    }),
  });
  return h('div', { class: 'view view-form' },
    pageHeader(title, { back }),
    form,
    creating ? null : formHistorySection(page, 'dealers', dealer.id));
}

registerSettingsSection({
  id: 'management', order: 25, title: () => (app.seesEverything ? t('manage.title') : t('dealer.title')),
  render: () => h('div', { class: 'actions management-links' },
    // A rep's section is headed 经销点 already, so its one button names what it does.
    linkButton(app.seesEverything ? t('dealer.title') : t('dealer.open_list'), '#/dealers'),
    app.seesEverything ? linkButton(t('handover.title'), '#/handover') : null),
});

route('/dealers', { tab: 'settings', render: renderList });
route('/dealer/new', { tab: 'settings', render: renderForm });
route('/dealer/:id', { tab: 'settings', render: renderDetail });
route('/dealer/:id/edit', { tab: 'settings', render: renderForm });
