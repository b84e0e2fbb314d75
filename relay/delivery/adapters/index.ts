import type { Deps } from '../../deps.js';
import type { ChannelAdapter } from '../types.js';
import { createEmailAdapter } from './email.js';
import { createWebhookAdapter } from './webhook.js';

/**
 * The adapters that are not messengers: webhooks (shop endpoints and webhook alert channels)
 * and email alerts. The messengers' adapters come from relay/channels (createChannels).
 */
export function createAdapters(deps: Deps): ChannelAdapter[] {
  return [createWebhookAdapter(deps), createEmailAdapter(deps)];
}
