import type { Deps } from '../../deps.js';
import { invalidField } from '../../http/errors.js';
import type { Inbound } from '../inbound.js';
import { createSendGuard } from '../send-guard.js';
import { parseSetup } from '../setup.js';
import type { Messenger } from '../types.js';
import { communityCall, createVkAdapter, groupRule } from './adapter.js';
import { createVkApi, type Community, type VkApi } from './api.js';
import { vkHookRoutes } from './hooks.js';
import {
  DEFAULT_REQUESTS_PER_SECOND,
  storedVkSettings,
  VkCredentials,
  VkSettings,
} from './settings.js';

/** How long a check of a bot's token may take before the relay gives up on VK. */
const CHECK_TIMEOUT_MS = 5_000;

type Check = { ok: true; community: Community } | { ok: false; detail: string };

/**
 * Asks VK whose community token this is (`groups.getById` with the token alone); the call
 * counts in the community's requests a second like any other (`take`).
 */
async function checkToken(
  api: VkApi,
  token: string,
  take: <T>(signal: AbortSignal, call: () => Promise<T>) => Promise<T>,
): Promise<Check> {
  let reply;
  try {
    const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
    reply = await take(signal, () => api.community(token, signal));
  } catch {
    return { ok: false, detail: 'Could not reach VK to check this token.' };
  }
  if (reply.ok && reply.result) return { ok: true, community: reply.result };
  if (reply.ok) return { ok: false, detail: 'VK did not say which community this token is of.' };
  if (reply.code === 5 || reply.code === 27 || reply.code === 15)
    return { ok: false, detail: `VK rejected this community token: ${reply.message}` };
  return { ok: false, detail: 'Could not reach VK to check this token.' };
}

/**
 * VK communities through the Callback API and `messages.send` (`VK_API_URL`, version pinned):
 * a bot is a community's token, checked with `groups.getById`, plus its Callback API
 * confirmation string and secret key. VK posts events to `/hooks/vk/<bot id>` (the owner
 * pastes it into the community's settings); nothing to register. Sends are paced to the
 * community's requests a second and one a second per person.
 * https://dev.vk.com/en/api/bots/getting-started
 */
export function createVkMessenger(
  deps: Deps,
  { inbound, sendTimeoutMs }: { inbound: Inbound; sendTimeoutMs?: number },
): Messenger {
  const api = createVkApi(deps.config.vkApiUrl, deps.outbound);
  // The community's requests: sends, the answers to presses and token checks share one guard
  // (at 20 a second, the default 25 ms of margin keeps 0.97 of the rate; bench/README.md).
  const guard = createSendGuard();
  const rates = new Map<number, number>();
  const inCommunity =
    (groupId: number, rps = DEFAULT_REQUESTS_PER_SECOND) =>
    <T>(signal: AbortSignal, call: () => Promise<T>) =>
      communityCall(guard, groupRule(groupId, rps), signal, call);
  return {
    type: 'vk',

    async setup({ token, settings, credentials, current }) {
      if (!token)
        throw invalidField(
          'token',
          'VK bots need a community token with access to messages (Manage → API usage).',
        );
      if (!/^[\x21-\x7e]{1,512}$/.test(token))
        throw invalidField('token', 'Paste the community token as VK shows it, without spaces.');
      const { community_name: _derived, ...given } = settings;
      // A new community: its screen name is read from VK.
      if (current && storedVkSettings(current.settings).group_id !== given.group_id)
        delete given.screen_name;
      const { settings: s, credentials: c } = parseSetup(
        { settings: VkSettings, credentials: VkCredentials },
        { settings: given, credentials },
      );
      const check = await checkToken(api, token, inCommunity(s.group_id, s.requests_per_second));
      if (!check.ok) throw invalidField('token', check.detail);
      const { id, screen_name, name } = check.community;
      if (id !== s.group_id)
        throw invalidField(
          'settings.group_id',
          `This token belongs to the community ${id}, not ${s.group_id}.`,
        );
      if (s.screen_name && screen_name && s.screen_name !== screen_name)
        throw invalidField(
          'settings.screen_name',
          `The community’s short address is ${screen_name}, not ${s.screen_name}.`,
        );
      return {
        settings: {
          ...s,
          ...((screen_name ?? s.screen_name) ? { screen_name: screen_name ?? s.screen_name } : {}),
          ...(name ? { community_name: name } : {}),
        },
        credentials: c,
        nickname: null,
      };
    },

    async verify(bot) {
      const token = await deps.stores.bots.credential(bot.id);
      if (!token) return { ok: false, detail: 'The bot has no community token.' };
      const settings = storedVkSettings(bot.settings);
      const check = await checkToken(
        api,
        token,
        inCommunity(settings.group_id ?? 0, settings.requests_per_second),
      );
      if (!check.ok) return { ok: false, detail: check.detail };
      return check.community.id === settings.group_id
        ? { ok: true, nickname: null }
        : { ok: false, detail: 'The token is of another community than settings.group_id.' };
    },

    adapter: createVkAdapter(deps, { api, guard, rates, requestTimeoutMs: sendTimeoutMs }),
    webhookUrl: (bot) => `${deps.config.publicUrl}/hooks/vk/${bot.id}`,
    routes: () => vkHookRoutes(deps, inbound, { api, guard, rates }),
  };
}
