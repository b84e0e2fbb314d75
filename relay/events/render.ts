import type { OutgoingButton } from '../messages/schemas.js';
import type { AppEvent } from './types.js';

/** One line of an alert: `label: value`, the value optionally a link. */
type Line = { label: string; value: string; href?: string };
type Alert = { title: string; lines: Line[] };

/** Longer values are cut: an alert is read at a glance; the full lead is in the API. */
const MAX_VALUE = 1000;

/**
 * A manager alert for an event, as Telegram HTML (`parse_mode: 'HTML'`), as plain text
 * (webhook alert channels, e.g. a Slack or Mattermost incoming webhook, which reads `text`;
 * an email's text part) and as an email's HTML part; `title` is its one line ("New lead #12:
 * callback"), an email's subject, and `details` the text's other lines. `labels` maps a lead form's field names to their labels.
 */
export function renderAlert(
  e: Pick<AppEvent, 'event' | 'data'>,
  labels: Record<string, string> = {},
): { title: string; details: string; html: string; text: string; email: string } {
  const alert = describe(e, labels);
  const text = toText(alert);
  return {
    title: alert.title,
    details: text.slice(alert.title.length + 1),
    html: toHtml(alert),
    text,
    email: toEmail(alert),
  };
}

function describe(
  { event, data }: Pick<AppEvent, 'event' | 'data'>,
  labels: Record<string, string>,
): Alert {
  const d = data as Record<string, any>;
  switch (event) {
    case 'lead.created': {
      const lines: Line[] = Object.entries(d.fields ?? {}).map(([name, value]) => ({
        label: labels[name] || name,
        value: show(value),
      }));
      const page = d.page ?? {};
      if (page.url || page.title)
        lines.push({ label: 'Page', value: str(page.title || page.url), href: link(page.url) });
      if (page.referrer)
        lines.push({ label: 'Referrer', value: str(page.referrer), href: link(page.referrer) });
      for (const [k, v] of Object.entries(d.utm ?? {})) lines.push({ label: k, value: show(v) });
      const form = d.form_name ? `: ${str(d.form_name)}` : '';
      return { title: `New lead #${d.id}${form}`, lines };
    }
    case 'order.created': {
      const lines: Line[] = (d.items ?? []).map((i: Record<string, any>) => ({
        label: str(i.name),
        value: `${i.qty} × ${money(i.price, d.currency)}`,
      }));
      lines.push({ label: 'Total', value: money(d.total, d.currency) });
      lines.push({ label: 'Status', value: str(d.status) });
      lines.push(...customer(d.customer));
      return { title: `New order #${str(d.number)}`, lines };
    }
    case 'order.status_changed':
      return {
        title: `Order #${str(d.number)}: ${str(d.previous_status)} → ${str(d.status)}`,
        lines: [{ label: 'Total', value: money(d.total, d.currency) }, ...customer(d.customer)],
      };
    case 'bot_user.subscribed': {
      const bot = d.bot ?? {};
      const messenger = [bot.bot_type, bot.name && `(${bot.name})`].filter(Boolean).join(' ');
      const lines: Line[] = [{ label: 'Name', value: show(d.name || d.store?.name) }];
      if (messenger) lines.push({ label: 'Messenger', value: str(messenger) });
      if (d.messenger_user_url)
        lines.push({
          label: 'Profile',
          value: str(d.messenger_user_url),
          href: link(d.messenger_user_url),
        });
      return { title: 'New subscriber', lines };
    }
    case 'message.received': {
      const person = d.bot_user ?? {};
      const bot = person.bot ?? {};
      const lines: Line[] = [
        { label: 'From', value: show(person.name || person.store?.name) },
        { label: 'Message', value: show(d.payload?.text) },
      ];
      if (bot.name) lines.push({ label: 'Bot', value: str(bot.name) });
      return { title: 'New message', lines };
    }
    case 'alert.test':
      return {
        title: 'Test alert from Touchpoint',
        lines: [{ label: 'Channel', value: `#${str(d.channel_id)}: alerts will arrive here.` }],
      };
  }
}

/** A "Mark handled" button's callback data: `lh:<lead id>` (Telegram allows 64 bytes). */
export const handledCallback = (leadId: number) => `lh:${leadId}`;
export const leadOfHandled = (data: string): number | undefined => {
  const m = /^lh:(\d{1,15})$/.exec(data);
  return m ? Number(m[1]) : undefined;
};

/**
 * The buttons under a manager alert in a messenger: open what it is about in the console (a
 * relative link: the adapter makes it absolute with the relay's public URL when it sends,
 * relay/channels/telegram/format.ts) and, for a lead, mark it handled from the chat.
 */
export function alertActions({ event, data, shop_id }: AppEvent): OutgoingButton[][] {
  const d = data as Record<string, any>;
  const open = (text: string, ...path: (string | number)[]) => [
    { text, url: `/console/#/shops/${shop_id}/${path.join('/')}` },
  ];
  switch (event) {
    case 'lead.created':
      return [
        open('Open in console', 'leads', d.id),
        [{ text: 'Mark handled', callback_data: handledCallback(d.id) }],
      ];
    case 'order.created':
    case 'order.status_changed':
      return [open('Open in console', 'orders', d.id)];
    case 'bot_user.subscribed':
      return [open('Open in console', 'conversations', d.id)];
    case 'message.received':
      return d.bot_user_id ? [open('Reply in console', 'conversations', d.bot_user_id)] : [];
    default:
      return [];
  }
}

function customer(c: Record<string, unknown> | undefined): Line[] {
  const lines: Line[] = [];
  if (c?.name) lines.push({ label: 'Customer', value: str(c.name) });
  if (c?.phone) lines.push({ label: 'Phone', value: str(c.phone) });
  if (c?.email) lines.push({ label: 'Email', value: str(c.email) });
  return lines;
}

/**
 * Telegram's HTML style: `<`, `>`, `&` outside tags must be entities, and `"` inside an
 * attribute; escaping `"` everywhere is harmless (`&quot;` is one of the supported entities).
 * https://core.telegram.org/bots/api#html-style
 */
export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function toHtml({ title, lines }: Alert): string {
  const body = lines.map(({ label, value, href }) => {
    const v = href ? `<a href="${escapeHtml(href)}">${escapeHtml(value)}</a>` : escapeHtml(value);
    return `<b>${escapeHtml(label)}:</b> ${v}`;
  });
  return [`<b>${escapeHtml(title)}</b>`, ...body].join('\n');
}

/**
 * An email's HTML part: a heading and a table of the lines, every value escaped (a visitor
 * wrote most of them). Inline styles only: mail clients drop style sheets.
 */
function toEmail({ title, lines }: Alert): string {
  const rows = lines.map(({ label, value, href }) => {
    const v = href ? `<a href="${escapeHtml(href)}">${escapeHtml(value)}</a>` : escapeHtml(value);
    return `<tr><th align="left" valign="top" style="padding:2px 12px 2px 0">${escapeHtml(label)}</th><td style="padding:2px 0;white-space:pre-wrap">${v}</td></tr>`;
  });
  return [
    '<!doctype html><html><head><meta charset="utf-8"></head>',
    '<body style="font-family:system-ui,sans-serif;font-size:15px">',
    `<h2 style="font-size:18px">${escapeHtml(title)}</h2>`,
    `<table cellspacing="0" cellpadding="0">${rows.join('')}</table>`,
    '</body></html>',
  ].join('');
}

function toText({ title, lines }: Alert): string {
  const body = lines.map(({ label, value, href }) =>
    href && href !== value ? `${label}: ${value} (${href})` : `${label}: ${value}`,
  );
  return [title, ...body].join('\n');
}

const str = (v: unknown): string => {
  const s = v == null ? '' : String(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE)}…` : s;
};

const show = (v: unknown): string =>
  v === true ? 'yes' : v === false ? 'no' : v == null || v === '' ? '—' : str(v);

/** Only web links become `<a href>`; anything else (javascript:, data:) stays text. */
const link = (url: unknown): string | undefined =>
  typeof url === 'string' && /^https?:\/\//i.test(url) ? url : undefined;

function money(amount: unknown, currency: unknown): string {
  const n = typeof amount === 'number' ? amount : Number(amount);
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: String(currency) }).format(n);
  } catch {
    return `${n} ${str(currency)}`;
  }
}
