import { describe, expect, it } from 'vitest';
import { escapeHtml, renderAlert } from '../../../relay/events/render.js';

const lead = {
  id: 7,
  form: 3,
  form_name: 'Callback',
  fields: {
    name: '<script>alert(1)</script>',
    comment: 'Tom & Jerry "best" <b>',
    agree: true,
    empty: null,
  },
  page: {
    url: 'https://shop.example/p?a=1&b="2"',
    title: 'Sofas & <chairs>',
    referrer: 'https://search.example/',
  },
  utm: { utm_source: 'news<letter>', utm_campaign: 'spring & summer' },
};

describe('alert rendering', () => {
  it('renders a lead with form name, field labels, page, referrer and UTM, all HTML-escaped', () => {
    const { html, text } = renderAlert(
      { event: 'lead.created', data: lead },
      { name: 'Your name', comment: 'Comment <optional>' },
    );
    expect(html).toBe(
      [
        '<b>New lead #7: Callback</b>',
        '<b>Your name:</b> &lt;script&gt;alert(1)&lt;/script&gt;',
        '<b>Comment &lt;optional&gt;:</b> Tom &amp; Jerry &quot;best&quot; &lt;b&gt;',
        '<b>agree:</b> yes',
        '<b>empty:</b> —',
        '<b>Page:</b> <a href="https://shop.example/p?a=1&amp;b=&quot;2&quot;">Sofas &amp; &lt;chairs&gt;</a>',
        '<b>Referrer:</b> <a href="https://search.example/">https://search.example/</a>',
        '<b>utm_source:</b> news&lt;letter&gt;',
        '<b>utm_campaign:</b> spring &amp; summer',
      ].join('\n'),
    );
    expect(html).not.toContain('<script>');
    expect(text).toContain('Your name: <script>alert(1)</script>');
    expect(text).toContain('Page: Sofas & <chairs> (https://shop.example/p?a=1&b="2")');
    expect(text.split('\n')[0]).toBe('New lead #7: Callback');
  });

  it('makes links only of http(s) URLs', () => {
    const { html } = renderAlert({
      event: 'lead.created',
      data: { id: 1, fields: {}, page: { url: 'javascript:alert(1)' } },
    });
    expect(html).not.toContain('<a ');
    expect(html).toContain('<b>Page:</b> javascript:alert(1)');
  });

  it('renders an order with items as qty × price, total with currency, status and customer', () => {
    const { html, text } = renderAlert({
      event: 'order.created',
      data: {
        number: 'A-1001',
        status: 'new',
        items: [
          { name: 'Mug <large>', qty: 2, price: 9.5 },
          { name: 'Tea', qty: 1, price: 4 },
        ],
        total: 23,
        currency: 'EUR',
        customer: { name: 'Ann & Bob', phone: '+15551234567', email: '' },
      },
    });
    expect(text).toBe(
      [
        'New order #A-1001',
        'Mug <large>: 2 × €9.50',
        'Tea: 1 × €4.00',
        'Total: €23.00',
        'Status: new',
        'Customer: Ann & Bob',
        'Phone: +15551234567',
      ].join('\n'),
    );
    expect(html).toContain('<b>Mug &lt;large&gt;:</b> 2 × €9.50');
    expect(html).toContain('<b>Customer:</b> Ann &amp; Bob');
  });

  it('renders a status change as old → new', () => {
    const { text } = renderAlert({
      event: 'order.status_changed',
      data: {
        number: '42',
        status: 'shipped',
        previous_status: 'paid',
        total: 5,
        currency: 'JPY',
        customer: {},
      },
    });
    expect(text).toBe('Order #42: paid → shipped\nTotal: ¥5');
  });

  it('renders a new subscriber with name and messenger', () => {
    const { html } = renderAlert({
      event: 'bot_user.subscribed',
      data: { name: 'Ann <3', bot: { id: 1, name: 'Shop bot', bot_type: 'telegram' } },
    });
    expect(html).toBe(
      '<b>New subscriber</b>\n<b>Name:</b> Ann &lt;3\n<b>Messenger:</b> telegram (Shop bot)',
    );
  });

  it('escapes the four characters Telegram HTML requires', () => {
    expect(escapeHtml(`<a href="x">&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&amp;amp;&lt;/a&gt;',
    );
  });
});
