import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import type { Inbound } from '../inbound.js';
import { plainMessenger } from '../setup.js';
import type { Messenger } from '../types.js';
import { createSandboxAdapter } from './adapter.js';
import { sandboxInboxRoutes } from './inbox.js';
import { sandboxPageRoutes } from './page.js';

/**
 * The built-in messenger of the demo (demo mode only): its inbox at /demo/inbox/ is where a
 * person presses Start and taps buttons (the same inbound path as Telegram), and "sending"
 * stores the message for the inbox to show.
 */
export function createSandboxMessenger(deps: Deps, { inbound }: { inbound: Inbound }): Messenger {
  return {
    ...plainMessenger('sandbox'),
    adapter: createSandboxAdapter(deps),
    routes: () =>
      new Hono({ strict: false })
        .route('/demo/inbox/api', sandboxInboxRoutes(deps, inbound))
        .route('/', sandboxPageRoutes()),
  };
}
