import { css, html, nothing } from 'lit';
import { allOf, must, type Role, type Schemas } from '../api/client.js';
import { define } from '../app/element.js';
import { PageElement } from '../app/page.js';
import { Action, Resource } from '../app/resource.js';
import { formatDate, t } from '../i18n/i18n.js';
import { confirmButton } from '../ui/confirm.js';
import {
  failureAlert,
  focusFirstInvalid,
  formValues,
  inputField,
  selectField,
} from '../ui/fields.js';
import { shownOnce } from '../ui/once.js';
import { shared } from '../ui/styles.js';
import { dataTable } from '../ui/table.js';

type Member = Schemas['Member'];
const ROLES: readonly Role[] = ['owner', 'manager'];

/**
 * Members (owners only): who can sign in to this shop and as what. An invited email with
 * no account gets a one-time link to choose a password, shown once here to pass on. The
 * last owner can be neither removed nor demoted (the API's 409 sentence says so).
 */
export class TpcMembersPage extends PageElement {
  static override styles = [
    shared,
    css`
      form {
        max-width: 40rem;
      }
    `,
  ];
  static override properties = { confirm: { state: true } };

  private confirm = 0;
  private invited?: Schemas['CreatedMember'];
  private readonly members = new Resource(
    this,
    () =>
      allOf(this.shopId, (query) => this.ctx.api.GET('/api/shop/members/', { params: { query } })),
    () => this.shopId,
  );
  private readonly add = new Action(this);
  private readonly change = new Action(this);

  private onAdd = async (e: SubmitEvent) => {
    const { email, role } = formValues(e);
    const form = e.target as HTMLFormElement;
    const member = await this.add.run(() =>
      must(
        this.ctx.api.POST('/api/shop/members/', {
          body: { shop_id: this.shopId, email, role: role as Role },
        }),
      ),
    );
    if (!member) return void focusFirstInvalid(this);
    form.reset();
    this.invited = member;
    this.announce(t('members.added', { email: member.email }));
    await this.members.reload();
  };

  private onRole = async (m: Member, e: SubmitEvent) => {
    const { role } = formValues(e);
    const saved = await this.change.run(() =>
      must(
        this.ctx.api.PATCH('/api/shop/members/{id}/', {
          params: { path: { id: m.id }, query: { shop_id: this.shopId } },
          body: { role: role as Role },
        }),
      ),
    );
    if (!saved) return;
    this.announce(t('members.roleChanged', { email: m.email, role: t(`role.${saved.role}`) }));
    await this.members.reload();
  };

  private async onRemove(m: Member) {
    const done = await this.change.run(() =>
      must(
        this.ctx.api.DELETE('/api/shop/members/{id}/', {
          params: { path: { id: m.id }, query: { shop_id: this.shopId } },
        }),
      ),
    );
    this.confirm = 0;
    if (!done) return;
    this.announce(t('members.removed', { email: m.email }));
    await this.members.reload();
  }

  override render() {
    const list = this.members.value;
    const failure = this.add.failure;
    return html`<h1 tabindex="-1">${t('members.title')}</h1>
      <p>${t('members.intro')}</p>
      ${
        this.invited?.password_set_url
          ? shownOnce({
              id: 'invite',
              title: t('members.inviteLink', { email: this.invited.email }),
              value: this.invited.password_set_url,
              copyLabel: t('members.copyLink'),
            })
          : nothing
      }
      ${failureAlert(this.members.failure)} ${failureAlert(this.change.failure)}
      ${
        list?.length
          ? dataTable({
              id: 'members',
              caption: t('members.title'),
              columns: [t('members.email'), t('members.role'), t('members.since'), ''],
              rows: list.map(
                (m) =>
                  html`<tr>
                    <td>
                      ${m.email}${m.user_id === this.ctx.user.id ? html` <span class="badge">${t('members.you')}</span>` : nothing}
                    </td>
                    <td>
                      <form class="inline-form" @submit=${(e: SubmitEvent) => this.onRole(m, e)}>
                        ${selectField({
                          id: `role-${m.id}`,
                          name: 'role',
                          label: t('members.roleOf', { email: m.email }),
                          value: m.role,
                          options: ROLES.map((r) => [r, t(`role.${r}`)] as const),
                        })}
                        <button type="submit">${t('common.save')}</button>
                      </form>
                    </td>
                    <td>${formatDate(m.created_at, 'short')}</td>
                    <td>
                      ${confirmButton({
                        open: this.confirm === m.id,
                        label: t('members.remove'),
                        ask: () => (this.confirm = m.id),
                        yes: () => this.onRemove(m),
                        cancel: () => (this.confirm = 0),
                      })}
                    </td>
                  </tr>`,
              ),
            })
          : list
            ? html`<p class="card">${t('members.empty')}</p>`
            : this.members.failure
              ? nothing
              : html`<p class="muted">${t('common.loading')}</p>`
      }
      <h2>${t('members.addTitle')}</h2>
      <form class="card" @submit=${this.onAdd} novalidate aria-label=${t('members.addTitle')}>
        ${failureAlert(failure, ['email', 'role'])}
        ${inputField({
          id: 'member-email',
          name: 'email',
          type: 'email',
          autocomplete: 'off',
          label: t('members.email'),
          required: true,
          failure,
        })}
        ${selectField({
          id: 'member-role',
          name: 'role',
          label: t('members.role'),
          value: 'manager',
          options: ROLES.map((r) => [r, t(`role.${r}`)] as const),
          hint: t('members.rolesHint'),
          failure,
        })}
        <button class="primary" type="submit">${t('members.add')}</button>
      </form>`;
  }
}

define('tpc-members-page', TpcMembersPage);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-members-page': TpcMembersPage;
  }
}
