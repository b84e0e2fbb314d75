/**
 * Updates as Telegram sends them (https://core.telegram.org/bots/api#update), without their
 * `update_id`: the fake numbers them when it delivers them.
 */
export type FakeUser = {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
};

let nextMessageId = 1;
const date = () => Math.floor(Date.now() / 1000);
const from = (u: FakeUser) => ({ ...u, is_bot: false });
const privateChat = (u: FakeUser) => ({ id: u.id, type: 'private', first_name: u.first_name });

export const updates = {
  /** The person pressed Start on `https://t.me/<bot>?start=<token>` (or plain Start). */
  start: (u: FakeUser, token?: string) => ({
    message: {
      message_id: nextMessageId++,
      from: from(u),
      chat: privateChat(u),
      date: date(),
      text: token ? `/start ${token}` : '/start',
      entities: [{ type: 'bot_command', offset: 0, length: 6 }],
    },
  }),
  text: (u: FakeUser, text: string) => ({
    message: {
      message_id: nextMessageId++,
      from: from(u),
      chat: privateChat(u),
      date: date(),
      text,
    },
  }),
  /** The person tapped an inline button under the bot's message `messageId`. */
  press: (u: FakeUser, messageId: number, data: string) => ({
    callback_query: {
      id: String(Date.now()) + String(nextMessageId++),
      from: from(u),
      message: { message_id: messageId, chat: privateChat(u), date: date() },
      chat_instance: '1',
      data,
    },
  }),
  /** The person blocked the bot (`kicked`) or unblocked it (`member`). */
  membership: (u: FakeUser, status: 'kicked' | 'member') => ({
    my_chat_member: {
      chat: privateChat(u),
      from: from(u),
      date: date(),
      old_chat_member: { status: status === 'kicked' ? 'member' : 'kicked' },
      new_chat_member: { status },
    },
  }),
  /**
   * The bot's own membership in a group changed: someone added it (`member`, or
   * `administrator`) or removed it (`left`, `kicked`). https://core.telegram.org/bots/api#chatmemberupdated
   */
  botInGroup: (
    u: FakeUser,
    chatId: number,
    title: string,
    status: 'member' | 'administrator' | 'left' | 'kicked',
  ) => ({
    my_chat_member: {
      chat: { id: chatId, type: 'supergroup', title },
      from: from(u),
      date: date(),
      old_chat_member: { status: status === 'left' || status === 'kicked' ? 'member' : 'left' },
      new_chat_member: { status },
    },
  }),
  /** Someone in a group tapped an inline button under the bot's message `messageId` there. */
  groupPress: (u: FakeUser, chatId: number, messageId: number, data: string) => ({
    callback_query: {
      id: String(Date.now()) + String(nextMessageId++),
      from: from(u),
      message: {
        message_id: messageId,
        chat: { id: chatId, type: 'supergroup', title: 'Managers' },
        date: date(),
      },
      chat_instance: '2',
      data,
    },
  }),
  /** A message in a group the bot is in. */
  groupText: (u: FakeUser, chatId: number, text: string) => ({
    message: {
      message_id: nextMessageId++,
      from: from(u),
      chat: { id: chatId, type: 'supergroup', title: 'Managers' },
      date: date(),
      text,
    },
  }),
};
