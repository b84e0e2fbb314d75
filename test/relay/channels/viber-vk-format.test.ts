import { describe, expect, it } from 'vitest';
import { parseViberJson } from '../../../relay/channels/viber/api.js';
import { classify as classifyViber } from '../../../relay/channels/viber/adapter.js';
import {
  keyboardOf as viberKeyboard,
  toViberMessages,
} from '../../../relay/channels/viber/format.js';
import { classify as classifyVk } from '../../../relay/channels/vk/adapter.js';
import {
  keyboardOf as vkKeyboard,
  randomIdOf,
  toVkMessages,
} from '../../../relay/channels/vk/format.js';
import { htmlToText } from '../../../relay/channels/text.js';

const html = (text: string) => ({ text, parse_mode: 'HTML' as const });

describe('Viber and VK message format', () => {
  it('turns rendered alerts into plain text: tags dropped, entities decoded, links spelled out', () => {
    const alert =
      '<b>New lead #7</b>\n<b>Name:</b> &lt;b&gt;Ann&lt;/b&gt; &amp; Sons\n<a href="https://shop.example/p">Pricing</a>';
    expect(htmlToText(alert)).toBe(
      'New lead #7\nName: <b>Ann</b> & Sons\nPricing (https://shop.example/p)',
    );
    expect(toViberMessages(html(alert))[0].text).toBe(htmlToText(alert));
    expect(toVkMessages(html(alert))[0].message).toBe(htmlToText(alert));
    // Plain text is sent as written.
    expect(toVkMessages({ text: '<b>as typed</b>' })[0].message).toBe('<b>as typed</b>');
  });

  it('splits long texts at Viber’s 7,000 and VK’s 4,096 characters, the buttons on the last part', () => {
    const long = Array.from({ length: 1500 }, (_, i) => `word${i}`).join(' ');
    const buttons = [[{ text: 'Next', callback_data: 'mi:1:1' }]];
    const viber = toViberMessages({ text: long, buttons });
    expect(viber.map((m) => [...String(m.text)].length <= 7000)).toEqual([true, true]);
    expect(viber.map((m) => 'keyboard' in m)).toEqual([false, true]);
    const vk = toVkMessages({ text: long, buttons });
    expect(long.length).toBeGreaterThan(3 * 4096);
    expect(vk.length).toBe(4);
    expect(vk.every((m) => [...m.message].length <= 4096)).toBe(true);
    expect(vk.map((m) => m.keyboard !== undefined)).toEqual([false, false, false, true]);
    expect(vk.map((m) => m.message).join(' ')).toBe(long);
  });

  it('builds Viber keyboards within 24 buttons and 6 columns, escaping titles, Silent presses', () => {
    const row = Array.from({ length: 8 }, (_, i) => ({
      text: `<${i}>`,
      callback_data: `mi:${i}:1`,
    }));
    const k = viberKeyboard([row, [{ text: 'Site', url: 'https://shop.example' }]])!;
    const buttons = k.Buttons as any[];
    expect(buttons.map((b) => b.Columns)).toEqual([1, 1, 1, 1, 1, 1, 3, 3, 6]);
    expect(buttons[0]).toEqual({
      Columns: 1,
      Rows: 1,
      ActionType: 'reply',
      ActionBody: 'mi:0:1',
      Text: '&lt;0&gt;',
      Silent: true,
    });
    expect(buttons[8]).toMatchObject({
      ActionType: 'open-url',
      ActionBody: 'https://shop.example',
    });
    const many = viberKeyboard([
      Array.from({ length: 30 }, (_, i) => ({ text: `${i}`, callback_data: `mi:${i}:1` })),
    ])!;
    expect((many.Buttons as any[]).length).toBe(24);
    // Buttons alone: a text message carries them.
    expect(toViberMessages({ text: '', buttons: [row.slice(0, 1)] })).toEqual([
      expect.objectContaining({ type: 'text', text: '👇', min_api_version: 4 }),
    ]);
  });

  it('sends a Viber picture with its description when it fits, else the text after it', () => {
    expect(toViberMessages({ text: 'A sofa', image_url: 'https://cdn.example/a.jpg' })).toEqual([
      { type: 'picture', media: 'https://cdn.example/a.jpg', text: 'A sofa' },
    ]);
    const long = 'x'.repeat(800);
    expect(toViberMessages({ text: long, image_url: 'https://cdn.example/a.jpg' })).toEqual([
      { type: 'picture', media: 'https://cdn.example/a.jpg', text: '' },
      { type: 'text', text: long },
    ]);
  });

  it('builds VK inline keyboards within 10 buttons, 6 rows of 5 and 40-character labels', () => {
    const rows = [
      Array.from({ length: 7 }, (_, i) => ({ text: `Choice ${i}`, callback_data: `mi:${i}:2` })),
      [{ text: 'A very long title that VK would refuse as a label', callback_data: 'step:9' }],
      [{ text: 'Prices', url: 'https://shop.example/prices' }],
      Array.from({ length: 5 }, (_, i) => ({ text: `More ${i}`, callback_data: `mi:${i}:3` })),
    ];
    const k = JSON.parse(vkKeyboard(rows)!);
    expect(k.inline).toBe(true);
    const flat = k.buttons.flat();
    expect(flat).toHaveLength(10);
    expect(k.buttons.map((r: unknown[]) => r.length)).toEqual([5, 2, 1, 1, 1]);
    expect(flat[0].action).toEqual({
      type: 'callback',
      label: 'Choice 0',
      payload: '{"d":"mi:0:2"}',
    });
    expect([...flat[7].action.label].length).toBeLessThanOrEqual(40);
    expect(flat[8].action).toEqual({
      type: 'open_link',
      link: 'https://shop.example/prices',
      label: 'Prices',
    });
  });

  it('gives each part of a VK delivery its own 32-bit random_id, the same on every attempt', () => {
    expect(randomIdOf(1, 0)).toBe(17);
    expect(randomIdOf(1, 1)).toBe(18);
    expect(randomIdOf(2, 0)).toBe(33);
    const big = randomIdOf(9_000_000_000, 3);
    expect(big).toBeGreaterThan(0);
    expect(big).toBeLessThan(2 ** 31);
    expect(randomIdOf(9_000_000_000, 3)).toBe(big);
  });

  it('reads Viber’s 64-bit message tokens digit for digit', () => {
    const parsed = parseViberJson(
      '{"status":0,"message_token":5741311803571721087,"chat_hostname":"SN-CHAT-05_"}',
    ) as any;
    expect(parsed.message_token).toBe('5741311803571721087');
    expect(parsed.status).toBe(0);
  });

  it('maps Viber and VK errors: rate limits retried, people gone unsubscribed, the rest final', () => {
    expect(classifyViber(12, 'tooManyRequests')).toMatchObject({ ok: false, retry: true });
    expect(classifyViber(6, 'receiverNotSubscribed')).toMatchObject({
      retry: false,
      recipientGone: true,
    });
    expect(classifyViber(3, 'badData')).toMatchObject({ retry: false });
    expect(classifyViber(-1, 'HTTP 502', 502)).toMatchObject({ retry: true });
    expect(classifyViber(-1, 'HTTP 404', 404)).toMatchObject({ retry: false });
    expect(classifyVk(6, 'Too many requests per second')).toMatchObject({
      retry: true,
      retryAfterMs: 1000,
    });
    expect(classifyVk(9, 'Flood control')).toMatchObject({ retry: true });
    expect(classifyVk(901, 'no permission')).toMatchObject({ retry: false, recipientGone: true });
    expect(classifyVk(914, 'Message is too long')).toMatchObject({ retry: false });
    expect(classifyVk(10, 'Internal server error')).toMatchObject({ retry: true });
  });
});
