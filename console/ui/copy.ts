import { html } from 'lit';
import { ConsoleElement, define } from '../app/element.js';
import { t } from '../i18n/i18n.js';
import { shared } from './styles.js';

/**
 * A button copying `text` to the clipboard, announcing the result. Outside a secure
 * context (a relay reached over plain http by address) the Clipboard API is missing: the
 * text's own element (`for`, an id in the same shadow root) is selected instead, for
 * Ctrl+C, and the person is told so.
 *
 * @summary Copy to clipboard.
 */
export class TpcCopy extends ConsoleElement {
  static override styles = [shared];
  static override properties = {
    text: { type: String },
    label: { type: String },
    for: { type: String },
  };

  text = '';
  /** The button's accessible name, e.g. "Copy the snippet". */
  label = '';
  for = '';

  private onClick = async () => {
    try {
      await navigator.clipboard.writeText(this.text);
      this.announce(t('copy.done'));
    } catch {
      const root = this.getRootNode() as ShadowRoot | Document;
      const target = this.for ? root.getElementById(this.for) : null;
      if (target) {
        const range = document.createRange();
        range.selectNodeContents(target);
        const selection = getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
      }
      this.announce(t('copy.manual'));
    }
  };

  override render() {
    return html`<button type="button" @click=${this.onClick}>
      ${this.label || t('copy.copy')}
    </button>`;
  }
}

define('tpc-copy', TpcCopy);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-copy': TpcCopy;
  }
}
