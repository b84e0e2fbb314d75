import { css, html, nothing } from 'lit';
import { OptinController } from '../api/optin.js';
import type { PublicBot } from '../api/types.js';
import { emit } from '../core/events.js';
import { TpElement } from '../core/element.js';
import { fill, type Texts } from '../core/i18n.js';
import { visitorId } from '../core/settings.js';
import { base } from '../core/styles.js';

/**
 * Messenger opt-in buttons: one real link per connected bot of the shop (optionally only
 * the `channels` listed). The link works without JavaScript (the bot's plain address);
 * a click asks the relay for a fresh single-use token and opens the deep link carrying it,
 * so the subscriber is tied to this visitor, lead (`lead-id`) or order (`order-ref`). On a
 * desktop, where the messenger app is often on the phone, the link is also shown to copy.
 * With no bot to offer (none connected, or the config failed: the console says why) it
 * renders nothing.
 *
 * @summary Subscribe buttons that open a messenger bot with a fresh opt-in token.
 *
 * @event {CustomEvent<OptinDetail>} tp-optin - A deep link with a fresh token is being opened.
 * @event {CustomEvent<ErrorDetail>} tp-error - The config or the opt-in request failed.
 *
 * @csspart base - The card around everything.
 * @csspart list - The list of buttons.
 * @csspart link - Each messenger link (with the messenger's mark); also `link-telegram`,
 *   `link-whatsapp`, … per type.
 * @csspart handle - The WhatsApp number on its link.
 * @csspart copy - The desktop "open on your phone" block.
 * @csspart copy-link - The deep link shown there, to open or copy.
 * @csspart status - The live region.
 *
 * @cssproperty --tp-accent - Button colour (light); `--tp-accent-dark` for dark.
 * @cssproperty --tp-accent-fg - Button text colour.
 * @cssproperty --tp-bg - Card background; `--tp-bg-dark` for dark.
 * @cssproperty --tp-fg - Text colour; `--tp-fg-dark` for dark.
 * @cssproperty --tp-radius - Corner radius.
 * @cssproperty --tp-gap - Space between buttons.
 * @cssproperty --tp-font - Font family.
 */
export class TpSubscribe extends TpElement {
  static override styles = [
    base,
    css`
      .list {
        display: flex;
        flex-wrap: wrap;
        gap: var(--_gap);
        margin: 0;
        padding: 0;
        list-style: none;
      }
      .copy {
        margin-top: var(--_gap);
        color: var(--_muted);
        overflow-wrap: anywhere;
      }
      .copy p {
        margin: 0 0 4px;
      }
      .copy a {
        color: var(--_fg);
      }
      svg {
        width: 1.25em;
        fill: currentColor;
        fill-rule: evenodd;
      }
      small {
        font-weight: 400;
      }
    `,
  ];

  static override properties = {
    channels: { type: String },
    orderRef: { type: String, attribute: 'order-ref' },
    leadId: { type: Number, attribute: 'lead-id' },
  };

  /** Comma-separated bot types to offer, e.g. `telegram,whatsapp`; empty offers every bot. */
  channels = '';
  /** The shop's order reference: the subscriber will get this order's updates. */
  orderRef = '';
  /** A lead to link the subscriber to (set by the launcher after a lead is sent). */
  leadId = 0;

  private readonly optin = new OptinController(this);

  private onClick = async (e: MouseEvent) => {
    const a = e.currentTarget as HTMLAnchorElement;
    const bot = this.offered().find((b) => String(b.id) === a.dataset.bot);
    if (!bot || e.button !== 0) return;
    e.preventDefault();
    const { relay, key } = this.source();
    try {
      const link = await this.optin.request(`${relay}/public/v1/optins`, {
        key,
        bot_id: bot.id,
        ...(this.leadId && { lead_id: this.leadId }),
        ...(this.orderRef && { order_ref: this.orderRef }),
        visitor_id: visitorId(),
      });
      if (!link) return;
      emit(this, 'tp-optin', { bot_id: bot.id, bot_type: bot.bot_type, ...link });
      // On a phone the messenger app takes over the link; on a desktop keep the shop open, and
      // open the messenger's web app where it has one (WhatsApp Web).
      if (desktop()) window.open(link.web_url || link.url, '_blank', 'noopener');
      else location.assign(link.url);
    } catch {
      if (this.optin.failure) this.fail('optin', this.optin.failure);
    }
  };

  private offered(): PublicBot[] {
    const wanted = this.channels
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    return (this.config.value?.bots ?? []).filter(
      (b) => b.bot_type !== 'web' && (!wanted.length || wanted.includes(b.bot_type)),
    );
  }

  private statusLine(t: Texts, bots: PublicBot[]): [string, string] {
    const pending = bots.find((b) => b.id === this.optin.pending);
    if (pending) return [fill(t.opening, { name: pending.label }), ''];
    if (this.optin.failure) return [t.optinFailed, 'err'];
    return ['', ''];
  }

  override render() {
    const t = this.texts();
    const bots = this.offered();
    // Nothing to offer (no bot connected yet, or the config failed: see the console): a
    // visitor sees nothing at all, not an empty card or the shop's internal state.
    if (!bots.length) return nothing;
    const [status, tone] = this.statusLine(t, bots);
    const last = this.optin.last;
    return html`<div class="card" part="base">
      <ul class="list" part="list">
        ${bots.map(
          (b) =>
            html`<li>
              <a
                class="btn"
                part="link link-${b.bot_type}"
                href=${b.url}
                target="_blank"
                rel="noopener"
                data-bot=${b.id}
                aria-busy=${this.optin.pending === b.id ? 'true' : 'false'}
                @click=${this.onClick}
                >${
                  b.mark
                    ? html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d=${b.mark} /></svg>`
                    : nothing
                }${fill(t.subscribe, { name: b.label })}${
                  b.handle ? html`<small part="handle">${b.handle}</small>` : nothing
                }</a
              >
            </li>`,
        )}
      </ul>
      ${
        last && desktop()
          ? html`<div class="copy" part="copy">
              <p>${t.copyHint}</p>
              <a part="copy-link" href=${last.url} target="_blank" rel="noopener">${last.url}</a>
            </div>`
          : nothing
      }
      <p part="status" class="status ${tone} ${status ? '' : 'empty'}" role="status">${status}</p>
    </div>`;
  }
}

const desktop = () => matchMedia('(hover: hover) and (pointer: fine)').matches;

customElements.get('tp-subscribe') || customElements.define('tp-subscribe', TpSubscribe);

declare global {
  interface HTMLElementTagNameMap {
    'tp-subscribe': TpSubscribe;
  }
}
