/**
 * The elements, for bundlers: `import 'touchpoint/widget'` defines <tp-lead-form>,
 * <tp-subscribe> and <tp-launcher>; call `configure({ key: 'pk_…', relay: 'https://…' })`
 * once, or give each element `key` and `relay` attributes.
 */
export { TpLeadForm } from './lead-form/lead-form.js';
export { TpSubscribe } from './subscribe/subscribe.js';
export { TpLauncher } from './launcher/launcher.js';
export { configure, type Settings } from './core/settings.js';
export { clearConfigCache } from './api/config.js';
export type * from './core/events.js';
export type * from './api/types.js';
