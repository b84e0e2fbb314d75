import { LitElement } from 'lit';

/**
 * What every console element shares: it renders again when the language changes (texts
 * are read through t() during render), and it can announce a result to screen readers
 * through the shell's live region.
 */
export class ConsoleElement extends LitElement {
  constructor() {
    super();
    this.addController({
      hostConnected: () => window.addEventListener('tpc-locale', this.relocalize),
      hostDisconnected: () => window.removeEventListener('tpc-locale', this.relocalize),
    });
  }

  private relocalize = () => this.requestUpdate();

  /** Says `message` in the shell's polite live region (results of async actions). */
  protected announce(message: string) {
    this.dispatchEvent(
      new CustomEvent('tpc-announce', { detail: message, bubbles: true, composed: true }),
    );
  }
}

/** Registers an element once, even when its chunk is evaluated twice. */
export const define = (name: string, element: CustomElementConstructor) =>
  customElements.get(name) || customElements.define(name, element);
