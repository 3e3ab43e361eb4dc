// Any hash the app does not know.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { route } from '../router.js';
import { emptyState, linkButton, pageHeader } from '../ui.js';

route('/not-found', {
  tab: null,
  render: () => h('div', { class: 'view' }, pageHeader(t('common.not_found_title')),
    emptyState(t('common.not_found')), linkButton(t('tab.today'), '#/today', 'primary')),
});
