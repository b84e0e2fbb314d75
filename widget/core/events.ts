/** `tp-submit`: the visitor submitted a valid form; cancelable (preventDefault stops it). */
export type SubmitDetail = {
  form: string;
  submission_id: string;
  fields: Record<string, string | boolean>;
};

/** `tp-success`: the relay accepted the lead. */
export type SuccessDetail = {
  form: string;
  submission_id: string;
  lead_id: number;
  bot_user_id: number | null;
};

/** `tp-error`: a request failed for good (after retries) or was refused. */
export type ErrorDetail = {
  /** Which request failed. */
  source: 'config' | 'lead' | 'optin';
  /** HTTP status; 0 for a network failure. */
  status: number;
  message: string;
  /** Field errors from the relay, keyed as the API sends them (`fields.email`). */
  fields: Record<string, string[]>;
};

/** `tp-optin`: the visitor is being sent to a messenger with a fresh token. */
/** `url`: the deep link; `web_url`: the desktop one, when the messenger has one (WhatsApp Web). */
export type OptinDetail = {
  bot_id: number;
  bot_type: string;
  url: string;
  token: string;
  web_url?: string;
};

export type TpEvents = {
  'tp-submit': SubmitDetail;
  'tp-success': SuccessDetail;
  'tp-error': ErrorDetail;
  'tp-optin': OptinDetail;
};

declare global {
  interface HTMLElementEventMap {
    'tp-submit': CustomEvent<SubmitDetail>;
    'tp-success': CustomEvent<SuccessDetail>;
    'tp-error': CustomEvent<ErrorDetail>;
    'tp-optin': CustomEvent<OptinDetail>;
  }
}

/**
 * Dispatches a Touchpoint event: bubbling and composed, so a listener on `document` hears
 * events of elements nested in another element's shadow root (the launcher's dialog).
 * Returns false when a listener called preventDefault on a cancelable event.
 */
export const emit = <K extends keyof TpEvents>(
  el: EventTarget,
  name: K,
  detail: TpEvents[K],
  cancelable = false,
) => el.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true, cancelable }));
