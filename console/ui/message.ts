import { css, html, nothing, type TemplateResult } from 'lit';
import { ApiFailure, type Api, type Schemas } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { formatDate, t } from '../i18n/i18n.js';

type Message = Schemas['Message'];

/** A link target only when it is a web address: message payloads come from outside. */
export const webUrl = (url: string | undefined) => (url && /^https?:\/\//i.test(url) ? url : '');

/** Telegram's HTML tags (https://core.telegram.org/bots/api#html-style) shown as they look. */
const TAGS: Record<string, string> = {
  B: 'strong',
  STRONG: 'strong',
  I: 'em',
  EM: 'em',
  U: 'u',
  INS: 'u',
  S: 's',
  STRIKE: 's',
  DEL: 's',
  CODE: 'code',
  PRE: 'pre',
};

/**
 * A message's text as the person saw it. Telegram HTML (order messages, alerts) becomes
 * Lit templates tag by tag — only Telegram's tags, links only to web addresses, everything
 * else text — so nothing in a message can inject markup into the console.
 */
export function messageText(payload: { text: string; parse_mode?: 'HTML' }): TemplateResult {
  if (payload.parse_mode !== 'HTML') return html`${payload.text}`;
  const doc = new DOMParser().parseFromString(`<body>${payload.text}</body>`, 'text/html');
  return html`${nodes(doc.body)}`;
}

function nodes(from: Node): unknown[] {
  return [...from.childNodes].map((n) => {
    if (n.nodeType === Node.TEXT_NODE) return n.textContent ?? '';
    if (n.nodeType !== Node.ELEMENT_NODE) return nothing;
    const el = n as Element;
    const inner = nodes(el);
    if (el.tagName === 'A') {
      const href = webUrl(el.getAttribute('href') ?? undefined);
      return href
        ? html`<a href=${href} rel="noopener noreferrer" target="_blank">${inner}</a>`
        : html`${inner}`;
    }
    switch (TAGS[el.tagName]) {
      case 'strong':
        return html`<strong>${inner}</strong>`;
      case 'em':
        return html`<em>${inner}</em>`;
      case 'u':
        return html`<u>${inner}</u>`;
      case 's':
        return html`<s>${inner}</s>`;
      case 'code':
        return html`<code>${inner}</code>`;
      case 'pre':
        return html`<code>${inner}</code>`;
      default:
        return html`${inner}`;
    }
  });
}

/** A data: URL of a message's picture, read through the relay (the console's CSP allows only itself). */
const pictures = new Map<string, Promise<string>>();
function pictureOf(api: Api, shopId: number, messageId: number): Promise<string> {
  const key = `${shopId}:${messageId}`;
  let found = pictures.get(key);
  if (!found) {
    found = (async () => {
      const { data, error, response } = await api.GET('/api/bot/messages/{id}/image/', {
        params: { path: { id: messageId }, query: { shop_id: shopId } },
        parseAs: 'blob',
      });
      if (!response.ok || !(data instanceof Blob)) throw ApiFailure.from(response.status, error);
      return new Promise<string>((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result));
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(data);
      });
    })();
    // A failure is not kept: the next view tries again.
    found.catch(() => pictures.delete(key));
    pictures.set(key, found);
  }
  return found;
}

/**
 * A message's picture, fetched through the relay (GET /api/bot/messages/:id/image/) and shown
 * as a data: URL; until then, or when it cannot be loaded, its link.
 *
 * @summary The image of a chat message.
 */
export class TpcMessageImage extends ConsoleElement {
  static override styles = css`
    :host {
      display: block;
    }
    img {
      display: block;
      max-width: min(100%, 20rem);
      max-height: 16rem;
      border-radius: 8px;
      margin-bottom: 0.35rem;
    }
    a {
      color: var(--tpc-accent);
    }
  `;
  static override properties = {
    api: { attribute: false },
    shopId: { type: Number },
    messageId: { type: Number },
    url: { type: String },
    src: { state: true },
    failed: { state: true },
  };

  api!: Api;
  shopId = 0;
  messageId = 0;
  url = '';
  private src = '';
  private failed = false;

  override connectedCallback() {
    super.connectedCallback();
    pictureOf(this.api, this.shopId, this.messageId).then(
      (src) => (this.src = src),
      () => (this.failed = true),
    );
  }

  override render() {
    if (this.src) return html`<img src=${this.src} alt=${t('chat.image')} />`;
    return html`<a href=${webUrl(this.url)} rel="noopener noreferrer" target="_blank"
      >${this.failed ? t('chat.imageUnavailable') : t('chat.image')}</a
    >`;
  }
}
define('tpc-message-image', TpcMessageImage);

/** What an inbound press or command looks like in the chat: a line, not a bubble. */
export function systemLine(m: Message): string | null {
  if (m.direction !== 'in') return null;
  if (m.content_type === 'command') return t('chat.started');
  if (m.content_type === 'callback')
    return m.payload.notice
      ? t('chat.pressedStale', {
          title: m.payload.text || m.payload.data || '?',
          notice: m.payload.notice,
        })
      : t('chat.pressed', { title: m.payload.text || m.payload.data || '?' });
  return null;
}

/** The buttons under a message, as the person saw them: links open, the others are shown. */
export function keyboard(m: Message) {
  if (!m.inline_buttons.length) return nothing;
  return html`<ul class="keyboard" aria-label=${t('chat.buttons')}>
    ${m.inline_buttons.map((b) =>
      webUrl(b.url)
        ? html`<li>
            <a class="kb" href=${b.url!} rel="noopener noreferrer" target="_blank"
              >${b.text} <span aria-hidden="true">↗</span></a
            >
          </li>`
        : html`<li><span class="kb">${b.text}</span></li>`,
    )}
  </ul>`;
}

/** "12:30 · sent": when, and for what the shop sent, how far it got. */
export const messageMeta = (m: Message) =>
  [
    formatDate(m.created_at, 'short'),
    m.direction === 'out' ? t(`messageStatus.${m.status}`) : '',
    m.error ?? '',
  ]
    .filter(Boolean)
    .join(' · ');

/** The first line of a message, for a chat list. */
export function preview(m: Message | null): string {
  if (!m) return '';
  const line = systemLine(m);
  if (line) return line;
  const text =
    m.payload.parse_mode === 'HTML'
      ? (new DOMParser().parseFromString(m.payload.text, 'text/html').body.textContent ?? '')
      : m.payload.text;
  const first = text.split('\n')[0] || (m.payload.image_url ? t('chat.image') : '');
  return m.direction === 'out' ? t('chat.youSaid', { text: first }) : first;
}
