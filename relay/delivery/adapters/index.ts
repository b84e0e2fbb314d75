import { createSandboxAdapter } from '../../channels/sandbox/adapter.js';
import { createTelegramAdapter } from '../../channels/telegram/adapter.js';
import { createTelegramApi } from '../../channels/telegram/api.js';
import { createSendGuard } from '../../channels/telegram/guard.js';
import type { Deps } from '../../deps.js';
import type { ChannelAdapter } from '../types.js';
import { createWebhookAdapter } from './webhook.js';

/**
 * Every channel adapter the worker can send through; the sandbox only in demo mode.
 * `sendTimeoutMs` is the worker's; an adapter that makes several requests per delivery (a
 * long Telegram text in parts) gives each later request that long.
 */
export function createAdapters(
  deps: Deps,
  { sendTimeoutMs }: { sendTimeoutMs?: number } = {},
): ChannelAdapter[] {
  const telegram = createTelegramAdapter(deps, {
    api: createTelegramApi(deps.config.telegramApiUrl, deps.outbound),
    guard: createSendGuard(),
    requestTimeoutMs: sendTimeoutMs,
    // Alert buttons link to the console by a relative path, made absolute when sent.
    publicUrl: deps.config.publicUrl,
  });
  return [
    createWebhookAdapter(deps),
    telegram,
    ...(deps.config.demo ? [createSandboxAdapter(deps)] : []),
  ];
}
