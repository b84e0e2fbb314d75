import { describe, expect, it } from 'vitest';
import {
  htmlToWhatsApp,
  splitText,
  templateMessage,
  toWhatsAppMessages,
} from '../../../relay/channels/whatsapp/format.js';
import { tokenIn } from '../../../relay/channels/whatsapp/updates.js';
import { optinText } from '../../../relay/channels/whatsapp/links.js';
import { createPacer } from '../../../relay/delivery/pacer.js';

describe('WhatsApp message format', () => {
  it('turns Telegram HTML into WhatsApp formatting, links as text and address, entities decoded', () => {
    expect(
      htmlToWhatsApp(
        '<b>New lead #3</b>\n<b>Name:</b> &lt;Ann&gt; &amp; Co\n<b>Page:</b> <a href="https://x.example/p?a=1&amp;b=2">Pricing</a> <i>now</i>',
      ),
    ).toBe(
      '*New lead #3*\n*Name:* <Ann> & Co\n*Page:* Pricing (https://x.example/p?a=1&b=2) _now_',
    );
    expect(htmlToWhatsApp('<a href="https://x.example/">https://x.example/</a>')).toBe(
      'https://x.example/',
    );
  });

  it('splits long text at line breaks or spaces into parts of at most 4,096', () => {
    const text = `${'word '.repeat(1200)}\n${'tail '.repeat(400)}`;
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect([...p].length).toBeLessThanOrEqual(4096);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(text.trim().replace(/\s+/g, ' '));
    expect(splitText('x'.repeat(5000)).map((p) => p.length)).toEqual([4096, 904]);
  });

  it('puts up to three choices on reply buttons (image as header) and more in a list, within the limits', () => {
    const three = toWhatsAppMessages(
      {
        text: 'Pick one',
        image_url: 'https://x.example/a.jpg',
        buttons: [
          [
            { text: 'A very long button title here', callback_data: 'mi:1:1' },
            { text: 'Same', callback_data: 'mi:2:1' },
          ],
          [
            { text: 'Same', callback_data: 'mi:3:1' },
            { text: 'Site', url: 'https://x.example/' },
          ],
        ],
      },
      '4479',
    );
    expect(three).toHaveLength(1);
    expect(three[0].interactive).toEqual({
      type: 'button',
      header: { type: 'image', image: { link: 'https://x.example/a.jpg' } },
      body: { text: 'Pick one\nSite: https://x.example/' },
      action: {
        buttons: [
          { type: 'reply', reply: { id: 'mi:1:1', title: 'A very long button…' } },
          { type: 'reply', reply: { id: 'mi:2:1', title: 'Same' } },
          { type: 'reply', reply: { id: 'mi:3:1', title: 'Same 2' } },
        ],
      },
    });
    const many = toWhatsAppMessages(
      {
        text: '',
        image_url: 'https://x.example/a.jpg',
        buttons: Array.from({ length: 12 }, (_, i) => [
          { text: `Option number ${i} with a long name`, callback_data: `mi:${i}:1` },
        ]),
      },
      '4479',
    );
    // A list header cannot be an image: the image goes first, then the list (10 rows at most).
    expect(many.map((m) => m.type)).toEqual(['image', 'interactive']);
    const list = many[1].interactive as any;
    expect(list.type).toBe('list');
    expect(list.body.text).toBe('👇');
    expect(list.action.sections[0].rows).toHaveLength(10);
    expect(list.action.sections[0].rows[0]).toEqual({
      id: 'mi:0:1',
      title: 'Option number 0 with a…',
      description: 'Option number 0 with a long name',
    });
  });

  it('sends the text before the buttons when it is longer than an interactive body', () => {
    const long = 'x '.repeat(700).trim();
    const out = toWhatsAppMessages(
      { text: long, buttons: [[{ text: 'OK', callback_data: 'mi:1:1' }]] },
      '4479',
    );
    expect(out.map((m) => m.type)).toEqual(['text', 'interactive']);
    expect((out[1].interactive as any).body.text).toBe('👇');
  });

  it('fills a template without line breaks, tabs or long runs of spaces', () => {
    expect(
      templateMessage('4479', {
        name: 'lead_alert',
        language: 'en',
        parameters: ['New lead #1', 'Name: Ann\nPhone:\t+1     555'],
      }),
    ).toEqual({
      to: '4479',
      type: 'template',
      template: {
        name: 'lead_alert',
        language: { code: 'en' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'New lead #1' },
              { type: 'text', text: 'Name: Ann · Phone: +1   555' },
            ],
          },
        ],
      },
    });
  });

  it('finds the opt-in token in the prefilled sentence, however the person edits the words', () => {
    const token = 'AbCdEfGhIjKlMnOpQrSt_-';
    expect(tokenIn(optinText(token))).toBe(token);
    expect(tokenIn(`please ${token}!`)).toBe(token);
    expect(tokenIn(token)).toBe(token);
    expect(tokenIn(`x${token}`)).toBeNull();
    expect(tokenIn('internationalisations!!')).toBeNull();
  });
});

describe('pacer bursts', () => {
  it('lets a burst go at once, then holds the average pace, and a block holds the whole burst back', () => {
    const pacer = createPacer();
    const pair = { key: 'pair', intervalMs: 6_000, burst: 3 };
    const at: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = pacer.readyAt([pair], 0);
      pacer.take([pair], t, i + 1);
      at.push(t);
    }
    expect(at).toEqual([0, 0, 0, 6_000, 12_000]);
    const other = { key: 'other', intervalMs: 6_000, burst: 3 };
    pacer.block(other, 10_000);
    expect(pacer.readyAt([other], 0)).toBe(10_000);
    // Without a burst, even spacing as before.
    const even = { key: 'even', intervalMs: 100 };
    pacer.take([even], 0, 99);
    expect(pacer.readyAt([even], 0)).toBe(100);
  });
});
