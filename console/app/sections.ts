import type { Section } from './page.js';

/**
 * The console's sections, in navigation order. A new page is one entry here and one module
 * under pages/ that defines `tag` (see console/README.md "Adding a page"); rollup makes the
 * module its own chunk, downloaded the first time the section opens.
 */
export const SECTIONS: readonly Section[] = [
  {
    id: 'start',
    label: 'nav.start',
    tag: 'tpc-start-page',
    load: () => import('../pages/start.js'),
  },
  {
    id: 'leads',
    label: 'nav.leads',
    tag: 'tpc-leads-page',
    load: () => import('../pages/leads.js'),
  },
  {
    id: 'conversations',
    label: 'nav.conversations',
    tag: 'tpc-conversations-page',
    load: () => import('../pages/conversations.js'),
  },
  {
    id: 'orders',
    label: 'nav.orders',
    tag: 'tpc-orders-page',
    load: () => import('../pages/orders.js'),
  },
  {
    id: 'forms',
    label: 'nav.forms',
    tag: 'tpc-forms-page',
    load: () => import('../pages/forms.js'),
  },
  {
    id: 'scenarios',
    label: 'nav.scenarios',
    tag: 'tpc-scenarios-page',
    load: () => import('../pages/scenarios.js'),
  },
  {
    id: 'channels',
    label: 'nav.channels',
    tag: 'tpc-channels-page',
    load: () => import('../pages/channels.js'),
  },
  {
    id: 'webhooks',
    label: 'nav.webhooks',
    tag: 'tpc-webhooks-page',
    load: () => import('../pages/webhooks.js'),
  },
  {
    id: 'keys',
    label: 'nav.keys',
    tag: 'tpc-keys-page',
    ownerOnly: true,
    load: () => import('../pages/keys.js'),
  },
  {
    id: 'members',
    label: 'nav.members',
    tag: 'tpc-members-page',
    ownerOnly: true,
    load: () => import('../pages/members.js'),
  },
];
