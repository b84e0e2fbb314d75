import { describe, expect, it } from 'vitest';
import { classify } from '../../../relay/channels/telegram/adapter.js';
import {
  buttonUrl,
  splitHtml,
  toTelegramCalls,
  visibleLength,
} from '../../../relay/channels/telegram/format.js';
import { parseHtml } from '../../fakes/telegram-html.js';

const plain = (html: string) => {
  const parsed = parseHtml(html);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.plain;
};

describe('Telegram message format', () => {
  it('escapes plain text once and passes HTML that is already escaped through untouched', () => {
    const [fromPlain] = toTelegramCalls({ text: 'Tom & Jerry <script>' }, '42');
    expect(fromPlain.params).toMatchObject({
      chat_id: '42',
      text: 'Tom &amp; Jerry &lt;script&gt;',
      parse_mode: 'HTML',
    });
    const [fromHtml] = toTelegramCalls({ text: '<b>A &amp; B</b>', parse_mode: 'HTML' }, '42');
    expect(fromHtml.params.text).toBe('<b>A &amp; B</b>');
  });

  it('counts visible characters as Telegram does: tags are free, an entity is one', () => {
    expect(visibleLength('<b>a&amp;b</b>')).toBe(3);
    expect(visibleLength('😀')).toBe(2);
  });

  it('splits a long text at line breaks into parts of at most 4096 characters, in order', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `Line ${i} ${'x'.repeat(40)}`);
    const parts = splitHtml(lines.join('\n'));
    expect(parts.length).toBeGreaterThan(3);
    for (const p of parts) expect(visibleLength(p)).toBeLessThanOrEqual(4096);
    expect(parts.join('\n')).toBe(lines.join('\n'));
    for (const p of parts.slice(0, -1)) expect(p.endsWith('x')).toBe(true);
  });

  it('splits at a space when a paragraph has no line break, and cuts a word longer than a part', () => {
    const words = Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' ');
    const parts = splitHtml(words);
    expect(parts.join(' ')).toBe(words);
    const blob = 'y'.repeat(9000);
    const cut = splitHtml(blob);
    expect(cut.map((p) => p.length)).toEqual([4096, 4096, 808]);
  });

  it('closes tags at a cut and opens them again in the next part, never splitting an entity', () => {
    const html = `<b>${'a &amp; b '.repeat(1000)}</b>`;
    const parts = splitHtml(html);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.startsWith('<b>')).toBe(true);
      expect(p.endsWith('</b>')).toBe(true);
      expect(() => plain(p)).not.toThrow();
      expect(visibleLength(p)).toBeLessThanOrEqual(4096);
    }
    expect(parts.map(plain).join(' ').trim()).toBe(plain(html).trim());
  });

  it('sends a photo with its text as caption when it fits, the keyboard on the last message', () => {
    const buttons = [
      [{ text: 'Track', url: 'https://shop.example/t/1' }],
      [{ text: 'Next', callback_data: 'step:3' }],
    ];
    const calls = toTelegramCalls(
      { text: 'Shipped', image_url: 'https://shop.example/a.png', buttons },
      '7',
    );
    expect(calls).toEqual([
      {
        method: 'sendPhoto',
        params: {
          chat_id: '7',
          photo: 'https://shop.example/a.png',
          caption: 'Shipped',
          parse_mode: 'HTML',
          reply_markup: {
            inline_keyboard: [
              [{ text: 'Track', url: 'https://shop.example/t/1' }],
              [{ text: 'Next', callback_data: 'step:3' }],
            ],
          },
        },
      },
    ]);
    const long = toTelegramCalls(
      { text: 'z'.repeat(2000), file_url: 'https://shop.example/a.pdf' },
      '7',
    );
    expect(long.map((c) => c.method)).toEqual(['sendDocument', 'sendMessage']);
    expect(long[0].params.caption).toBeUndefined();
  });
});

describe('Telegram error mapping', () => {
  const error = (error_code: number, description: string, parameters?: object) =>
    classify({ ok: false, status: error_code, error_code, description, parameters });

  it('honours retry_after exactly on 429', () => {
    expect(error(429, 'Too Many Requests: retry after 7', { retry_after: 7 })).toMatchObject({
      ok: false,
      retry: true,
      retryAfterMs: 7000,
    });
  });

  it('marks a blocked or deactivated person as gone, without retrying', () => {
    for (const d of ['Forbidden: bot was blocked by the user', 'Forbidden: user is deactivated'])
      expect(error(403, d)).toMatchObject({ retry: false, recipientGone: true });
    expect(error(403, 'Forbidden: bot is not a member of the channel chat')).toMatchObject({
      retry: false,
    });
    expect(error(403, 'Forbidden: bot is not a member of the channel chat').ok).toBe(false);
    expect('recipientGone' in error(403, 'Forbidden: bot is not a member')).toBe(false);
  });

  it('moves a migrated group, gives up on other 4xx and retries 5xx', () => {
    expect(
      error(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
        migrate_to_chat_id: -1001234,
      }),
    ).toMatchObject({ retry: true, migrateToChatId: '-1001234' });
    expect(error(400, "Bad Request: can't parse entities")).toMatchObject({ retry: false });
    expect(error(502, 'Bad Gateway')).toMatchObject({ retry: true });
  });
});

describe('alert buttons', () => {
  it('makes a console link absolute with the public URL, and leaves it out where Telegram would refuse it', () => {
    const payload = {
      text: 'New lead',
      buttons: [
        [{ text: 'Open in console', url: '/console/#/shops/1/leads/2' }],
        [{ text: 'Mark handled', callback_data: 'lh:2' }],
      ],
    };
    expect(
      toTelegramCalls(payload, '-100', 'https://relay.example')[0].params.reply_markup,
    ).toEqual({
      inline_keyboard: [
        [{ text: 'Open in console', url: 'https://relay.example/console/#/shops/1/leads/2' }],
        [{ text: 'Mark handled', callback_data: 'lh:2' }],
      ],
    });
    // A message Telegram refuses is an alert lost: the link goes, the rest stays.
    for (const base of ['http://localhost:8787', 'http://127.0.0.1:8787', undefined])
      expect(toTelegramCalls(payload, '-100', base)[0].params.reply_markup).toEqual({
        inline_keyboard: [[{ text: 'Mark handled', callback_data: 'lh:2' }]],
      });
    expect(buttonUrl('https://shop.example/x', undefined)).toBe('https://shop.example/x');
  });
});
