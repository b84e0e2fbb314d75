import { css, html, nothing } from 'lit';
import { must, type Api } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { Action } from '../app/resource.js';
import type { Session } from '../app/session.js';
import { t } from '../i18n/i18n.js';
import { failureAlert, focusFirstInvalid, formValues, inputField } from '../ui/fields.js';
import { shared } from '../ui/styles.js';

const styles = css`
  :host {
    max-width: 26rem;
    margin: 2rem auto;
  }
  form {
    margin-top: 1rem;
  }
  button.primary {
    width: 100%;
  }
`;

/** Tells the shell a session started (the login answer). */
const signedIn = (host: HTMLElement, result: Session) =>
  host.dispatchEvent(
    new CustomEvent('tpc-signed-in', { detail: result, bubbles: true, composed: true }),
  );

/**
 * Sign-in with `POST /api/auth/login/`. `notice` says why the person is here again (their
 * session expired, they logged out). A wrong password and throttling (429) are the API's
 * own sentences.
 *
 * @event {CustomEvent<Session>} tpc-signed-in - The login answer.
 */
export class TpcSignIn extends ConsoleElement {
  static override styles = [shared, styles];
  static override properties = { notice: { type: String } };

  api!: Api;
  notice = '';
  private readonly action = new Action(this);

  private onSubmit = async (e: SubmitEvent) => {
    const { email, password } = formValues(e);
    const result = await this.action.run(() =>
      must(this.api.POST('/api/auth/login/', { body: { email, password } })),
    );
    if (result) signedIn(this, result);
    else void focusFirstInvalid(this);
  };

  override render() {
    const failure = this.action.failure;
    return html`<h1 tabindex="-1">${t('signin.title')}</h1>
      ${this.notice ? html`<p class="notice info" role="status">${this.notice}</p>` : nothing}
      ${failureAlert(failure, ['email', 'password'])}
      <form class="card" @submit=${this.onSubmit} novalidate>
        ${inputField({
          id: 'email',
          name: 'email',
          type: 'email',
          label: t('signin.email'),
          autocomplete: 'username',
          required: true,
          failure,
        })}
        ${inputField({
          id: 'password',
          name: 'password',
          type: 'password',
          label: t('signin.password'),
          autocomplete: 'current-password',
          required: true,
          failure,
        })}
        <button class="primary" type="submit" aria-disabled=${this.action.busy ? 'true' : 'false'}>
          ${this.action.busy ? t('signin.busy') : t('signin.submit')}
        </button>
      </form>`;
  }
}

/**
 * Choosing a password from a one-time link (`#/set-password?token=…`, handed out when an
 * owner invites someone) with `POST /api/auth/set_password/`, which signs the person in.
 *
 * @event {CustomEvent<Session>} tpc-signed-in - The login answer.
 */
export class TpcSetPassword extends ConsoleElement {
  static override styles = [shared, styles];
  static override properties = { token: { type: String } };

  api!: Api;
  token = '';
  private readonly action = new Action(this);

  private onSubmit = async (e: SubmitEvent) => {
    const { password } = formValues(e);
    const result = await this.action.run(() =>
      must(this.api.POST('/api/auth/set_password/', { body: { token: this.token, password } })),
    );
    if (result) signedIn(this, result);
    else void focusFirstInvalid(this);
  };

  override render() {
    const failure = this.action.failure;
    return html`<h1 tabindex="-1">${t('setpw.title')}</h1>
      <p>${t('setpw.intro')}</p>
      ${this.token ? nothing : html`<p class="notice error" role="alert">${t('setpw.noToken')}</p>`}
      ${failureAlert(failure, ['password'])}
      <form class="card" @submit=${this.onSubmit} novalidate>
        ${inputField({
          id: 'password',
          name: 'password',
          type: 'password',
          label: t('setpw.password'),
          hint: t('setpw.hint'),
          autocomplete: 'new-password',
          required: true,
          failure,
        })}
        <button class="primary" type="submit" ?disabled=${!this.token}>${t('setpw.submit')}</button>
      </form>
      <p><a href="#/sign-in">${t('setpw.toSignIn')}</a></p>`;
  }
}

define('tpc-sign-in', TpcSignIn);
define('tpc-set-password', TpcSetPassword);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-sign-in': TpcSignIn;
    'tpc-set-password': TpcSetPassword;
  }
}
