import { css, html, nothing } from 'lit';
import { allOf, ApiFailure, must, type Api, type Schemas } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { subscribe } from '../app/live.js';
import { t } from '../i18n/i18n.js';
import { download } from '../ui/csv.js';
import { failureAlert, sentence } from '../ui/fields.js';
import { shared } from '../ui/styles.js';
import './canvas.js';
import { problemText, type TpcFlowCanvas } from './canvas.js';
import type { EditorCtl, Named } from './ctl.js';
import {
  fromApi,
  newStep,
  stepOf,
  variablesOf,
  withoutStep,
  type EditorDoc,
  type Point,
} from './doc.js';
import './outline.js';
import type { TpcFlowOutline } from './outline.js';
import './step-form.js';
import { stepLabel } from './step-form.js';
import { History } from './history.js';
import { FlowSaver, loadSteps, type Conflict, type Problems } from './sync.js';
import './try-panel.js';
import type { Trace, TpcTryPanel } from './try-panel.js';

type Bot = Schemas['Bot'];
type View = 'canvas' | 'outline';

const SAVE_DELAY_MS = 600;
const RETRY_MS = 5000;

/**
 * The scenario editor of one flow: the canvas or the outline, the step panel, the Try
 * panel, and what keeps the work safe — undo and redo of every edit, autosave with its state
 * always visible ("Saved", "Saving…", "Not saved: reason"), the relay's refusals on the
 * cards they concern, a clear choice when someone else saved the same object (409), and a
 * notice when someone else saved the flow (the shop's event stream, `flow.updated`).
 */
export class TpcFlowEditor extends ConsoleElement {
  static override styles = [
    shared,
    css`
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: flex-end;
        margin-bottom: 0.75rem;
      }
      .bar .name {
        flex: 1 1 14rem;
        margin: 0;
      }
      .tools {
        display: flex;
        flex-wrap: wrap;
        gap: 0.35rem;
        align-items: center;
      }
      .tools [aria-pressed='true'] {
        background: var(--tpc-accent-soft);
        border-color: var(--tpc-accent);
      }
      .state {
        margin: 0 0 0.75rem;
        font-weight: 600;
      }
      .state.saved {
        color: var(--tpc-success);
      }
      .state.bad {
        color: var(--tpc-danger);
      }
      .work {
        display: grid;
        gap: 1rem;
        grid-template-columns: minmax(0, 1fr);
      }
      @media (min-width: 70rem) {
        .work.with-side {
          grid-template-columns: minmax(0, 1fr) 22rem;
        }
        /* Beside the canvas, the panel scrolls on its own: the canvas stays in view. */
        .with-side .side {
          position: sticky;
          top: 0.5rem;
          max-height: calc(100vh - 1rem);
          overflow-y: auto;
          padding-right: 0.25rem;
        }
      }
      .side > * + * {
        margin-top: 1rem;
      }
      .side h2 {
        margin-top: 0;
      }
      .welcome {
        margin: 0;
      }
    `,
  ];
  static override properties = {
    api: { attribute: false },
    shopId: { attribute: false },
    flowId: { attribute: false },
    view: { attribute: false },
    loadFailure: { state: true },
    doc: { state: true },
    selected: { state: true },
    confirming: { state: true },
    problems: { state: true },
    flowProblem: { state: true },
    conflict: { state: true },
    remote: { state: true },
    offline: { state: true },
    saving: { state: true },
    trying: { state: true },
    visited: { state: true },
    waiting: { state: true },
    botFailure: { state: true },
  };

  api!: Api;
  shopId = 0;
  flowId = 0;
  view: View = 'canvas';

  private loadFailure: ApiFailure | null = null;
  private doc: EditorDoc | null = null;
  private saver: FlowSaver | null = null;
  private bot: Bot | null = null;
  private forms: Named[] = [];
  private tags: Named[] = [];
  private customFields: string[] = [];
  private selected: string | null = null;
  private confirming: string | null = null;
  private problems: Problems = new Map();
  private flowProblem: ApiFailure | null = null;
  private conflict: Conflict | null = null;
  /** Someone else saved the flow meanwhile ('deleted': they deleted it). */
  private remote: false | 'saved' | 'deleted' = false;
  private offline = false;
  private saving = false;
  private trying = false;
  private visited = new Set<string>();
  private waiting: string | null = null;
  private botFailure: ApiFailure | null = null;

  private readonly history = new History<EditorDoc>();
  /** The doc as last saved in full: no difference means nothing to save. */
  private savedJson = '';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<boolean> | null = null;
  private again = false;
  private remoteTimer: ReturnType<typeof setTimeout> | undefined;
  private unlisten: (() => void) | null = null;

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('keydown', this.onKey);
    window.addEventListener('beforeunload', this.onLeave);
    void this.load();
    this.unlisten = subscribe(this.shopId, ['flow.updated'], (e) => {
      if (e.type === 'reset' || e.data?.id === this.flowId)
        this.checkRemote(e.data?.deleted === true);
    });
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
    window.removeEventListener('beforeunload', this.onLeave);
    this.unlisten?.();
    clearTimeout(this.remoteTimer);
    // Leaving the editor inside the console: what is not saved yet is saved now.
    if (this.dirty) void this.flush();
  }

  private get dirty() {
    return !!this.doc && JSON.stringify(this.doc) !== this.savedJson;
  }

  private onLeave = (e: BeforeUnloadEvent) => {
    if (this.dirty || this.running) e.preventDefault();
  };

  private async load() {
    const { api, shopId, flowId } = this;
    const query = { shop_id: shopId };
    try {
      const [flow, steps, forms, tags, fields] = await Promise.all([
        must(api.GET('/api/bot/flows/{id}/', { params: { path: { id: flowId }, query } })),
        loadSteps(api, shopId, flowId),
        allOf(shopId, (q) => api.GET('/api/store/forms/', { params: { query: q } })),
        allOf(shopId, (q) => api.GET('/api/store/tags/', { params: { query: q } })),
        allOf(shopId, (q) => api.GET('/api/store/custom_fields/', { params: { query: q } })),
      ]);
      this.bot = await must(
        api.GET('/api/bot/bots/{id}/', { params: { path: { id: flow.bot_id }, query } }),
      );
      this.forms = forms.map((f) => ({ id: f.id, name: f.name }));
      this.tags = tags.map((x) => ({ id: x.id, name: x.name }));
      this.customFields = fields.map((f) => f.name);
      this.saver = new FlowSaver(api, shopId, flow, steps);
      this.doc = fromApi(flow, steps);
      this.savedJson = JSON.stringify(this.doc);
      this.loadFailure = null;
      this.problems = new Map();
      this.flowProblem = null;
      this.conflict = null;
      this.remote = false;
      this.history.clear();
    } catch (err) {
      this.loadFailure = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
    }
  }

  // Editing: every change is a new doc, one undo step, then saved.

  private edit = (label: string, change: (doc: EditorDoc) => EditorDoc, merge?: string) => {
    if (!this.doc) return;
    const next = change(this.doc);
    if (next === this.doc) return;
    this.history.record(this.doc, label, merge);
    this.doc = next;
    this.schedule();
  };

  private undo() {
    const entry = this.doc && this.history.undo(this.doc);
    if (!entry) return;
    this.doc = entry.state;
    this.afterTravel();
    this.announce(t('scn.undone', { what: entry.label }));
  }

  private redo() {
    const entry = this.doc && this.history.redo(this.doc);
    if (!entry) return;
    this.doc = entry.state;
    this.afterTravel();
    this.announce(t('scn.redone', { what: entry.label }));
  }

  private afterTravel() {
    if (this.selected && !stepOf(this.doc!, this.selected)) this.selected = null;
    this.confirming = null;
    this.schedule();
  }

  private onKey = (e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    const key = e.key.toLowerCase();
    if (key !== 'z' && key !== 'y') return;
    // The editor is the page's content: its undo is the page's, except in a text field,
    // which undoes its own typing first, as everywhere.
    const target = e.composedPath()[0] as HTMLElement;
    if (
      target.matches?.('textarea, input:not([type=checkbox]):not([type=radio]), [contenteditable]')
    )
      return;
    e.preventDefault();
    if (key === 'y' || e.shiftKey) this.redo();
    else this.undo();
  };

  // Saving: shortly after the last edit, one save at a time.

  private schedule(delay = SAVE_DELAY_MS) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delay);
    this.saving = true;
  }

  /** Saves now (after the save in progress); true when everything is on the relay. */
  flush(): Promise<boolean> {
    clearTimeout(this.timer);
    if (this.running) {
      // The save in progress may be past the point where it looks again: this one follows it.
      this.again = true;
      return this.running.then(() => this.flush());
    }
    this.running = (async () => {
      let ok = false;
      do {
        this.again = false;
        const doc = this.doc;
        if (!doc || !this.saver || this.conflict) break;
        const json = JSON.stringify(doc);
        if (json === this.savedJson && !this.problems.size && !this.flowProblem) {
          ok = true;
          continue;
        }
        this.saving = true;
        const r = await this.saver.save(doc);
        this.problems = r.problems;
        this.flowProblem = r.flowProblem;
        this.conflict = r.conflict;
        this.offline = r.offline;
        if (r.saved) this.savedJson = json;
        ok = r.saved && this.doc === doc;
        if (r.offline) this.timer = setTimeout(() => void this.flush(), RETRY_MS);
        if (r.conflict)
          this.announce(t('save.conflictSaid', { what: this.conflictName(r.conflict) }));
        if (this.doc !== doc) this.again = true;
      } while (this.again);
      this.saving = false;
      return ok;
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  // Someone else saved.

  private checkRemote(deleted: boolean) {
    clearTimeout(this.remoteTimer);
    this.remoteTimer = setTimeout(async () => {
      if (deleted) {
        this.remote = 'deleted';
        return;
      }
      await this.running;
      try {
        if (this.saver && (await this.saver.changedElsewhere())) {
          this.remote = 'saved';
          this.announce(t('save.remote'));
        }
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 404) this.remote = 'deleted';
      }
    }, 300);
  }

  private async reload() {
    clearTimeout(this.timer);
    await this.running;
    await this.load();
    this.announce(t('save.reloaded'));
  }

  private keepMine() {
    const c = this.conflict;
    if (!c || !this.saver) return;
    this.saver.overrule(c);
    this.conflict = null;
    void this.flush();
  }

  private conflictName(c: Conflict) {
    if (c.kind === 'flow') return t('save.theFlow');
    const step = c.step && this.doc && stepOf(this.doc, c.step);
    return step ? stepLabel(step) : t('save.aStep');
  }

  // The controller the views share.

  private ctl(): EditorCtl {
    const doc = this.doc!;
    return {
      doc,
      selected: this.selected,
      confirming: this.confirming,
      problems: this.problems,
      visited: this.visited,
      waiting: this.waiting,
      forms: this.forms,
      tags: this.tags,
      variables: variablesOf(doc, this.customFields),
      readOnly: false,
      edit: this.edit,
      update: (key, label, change, merge) =>
        this.edit(
          label,
          (d) => ({ ...d, steps: d.steps.map((s) => (s.key === key ? change(s) : s)) }),
          merge,
        ),
      select: (key, focus) => {
        this.selected = key;
        if (this.confirming !== key) this.confirming = null;
        if (key && focus) void this.focusForm(key);
      },
      add: (type, at) => this.add(type, at),
      remove: (key, confirmed) => {
        if (!confirmed) {
          this.selected = key;
          this.confirming = key;
          void this.focusForm(key, '.confirm button');
          return;
        }
        const step = stepOf(doc, key);
        this.edit(t('scn.deleteStep'), (d) => withoutStep(d, key));
        this.confirming = null;
        this.selected = null;
        if (step) this.announce(t('scn.deleted', { step: stepLabel(step) }));
      },
      cancelRemove: () => {
        this.confirming = null;
      },
    };
  }

  private add(type: Parameters<EditorCtl['add']>[0], at?: Point) {
    const canvas = this.renderRoot.querySelector<TpcFlowCanvas>('tpc-flow-canvas');
    const where = at ?? canvas?.centre() ?? { x: 0, y: (this.doc?.steps.length ?? 0) * 160 };
    const step = newStep(type, where, {
      text: t(type === 'question' ? 'scn.newQuestion' : 'scn.newText'),
      form: this.forms[0]?.id ?? null,
    });
    this.edit(t('scn.addedStep'), (d) => ({
      ...d,
      first: d.first ?? step.key,
      steps: [...d.steps, step],
    }));
    this.selected = step.key;
    this.confirming = null;
    this.announce(t('scn.added', { type: t(`stepType.${type}`) }));
    if (canvas) void this.updateComplete.then(() => canvas.reveal(step.key));
    return step.key;
  }

  /** Focuses the side panel's form of a step (or, in the outline, the step's form). */
  private async focusForm(key: string, selector?: string) {
    await this.updateComplete;
    if (this.view === 'outline' && !selector) {
      await this.renderRoot.querySelector<TpcFlowOutline>('tpc-flow-outline')?.focusStep(key);
      return;
    }
    const host = this.renderRoot.querySelector('tpc-flow-outline') ?? this;
    const root = host === this ? this.renderRoot : host.shadowRoot!;
    const form = root.querySelector<HTMLElement & { updateComplete: Promise<unknown> }>(
      `tpc-step-form[data-key="${key}"]`,
    );
    await form?.updateComplete;
    form?.shadowRoot?.querySelector<HTMLElement>(selector ?? 'select, input, textarea')?.focus();
  }

  // Toolbar actions.

  private async exportFlow() {
    if (!(await this.flush()) && this.dirty) {
      this.announce(t('save.notYet'));
    }
    try {
      const doc = await must(
        this.api.GET('/api/bot/flows/{id}/export/', {
          params: { path: { id: this.flowId }, query: { shop_id: this.shopId } },
        }),
      );
      const slug =
        doc.name
          .toLowerCase()
          .replace(/[^\p{L}\p{N}]+/gu, '-')
          .replace(/^-|-$/g, '') || 'flow';
      download(`${slug}.flow.json`, `${JSON.stringify(doc, null, 2)}\n`, 'application/json');
      this.announce(t('scn.exported'));
    } catch (err) {
      this.flowProblem = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
    }
  }

  private async setWelcome(on: boolean) {
    const bot = this.bot;
    if (!bot) return;
    try {
      this.bot = await must(
        this.api.PATCH('/api/bot/bots/{id}/', {
          params: { path: { id: bot.id }, query: { shop_id: this.shopId } },
          body: { welcome_flow_id: on ? this.flowId : null },
        }),
      );
      this.botFailure = null;
      this.announce(t(on ? 'scn.welcomeOn' : 'scn.welcomeOff', { bot: bot.name }));
    } catch (err) {
      this.botFailure = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
    }
  }

  private onTrace = (e: CustomEvent<Trace & { reset: boolean }>) => {
    const keys = e.detail.path.map((id) => this.saver?.keyOf(id)).filter((k): k is string => !!k);
    this.visited = new Set([...(e.detail.reset ? [] : this.visited), ...keys]);
    this.waiting = e.detail.waiting === null ? null : (this.saver?.keyOf(e.detail.waiting) ?? null);
  };

  private async openTry() {
    this.trying = !this.trying;
    if (!this.trying) {
      this.visited = new Set();
      this.waiting = null;
      return;
    }
    await this.updateComplete;
    const panel = this.renderRoot.querySelector<TpcTryPanel>('tpc-try-panel');
    await panel?.start();
    panel?.shadowRoot?.querySelector<HTMLElement>('h2')?.focus();
  }

  private prepareTry = async () => {
    const ok = await this.flush();
    if (!ok) this.announce(t('try.notSaved'));
    return ok;
  };

  // Rendering.

  private renderState() {
    let text: string;
    let tone = '';
    const problem = [...this.problems.entries()][0];
    if (this.conflict) {
      text = t('save.notSaved', { reason: t('save.conflictReason') });
      tone = 'bad';
    } else if (this.offline) {
      text = t('save.notSaved', { reason: t('error.network') });
      tone = 'bad';
    } else if (this.saving) text = t('save.saving');
    else if (problem) {
      const step = stepOf(this.doc!, problem[0]);
      text = t('save.notSaved', {
        reason: `${step ? `${stepLabel(step)}: ` : ''}${problemText(problem[1])}`,
      });
      tone = 'bad';
    } else if (this.flowProblem) {
      text = t('save.notSaved', { reason: sentence(this.flowProblem) });
      tone = 'bad';
    } else if (this.dirty) text = t('save.pending');
    else {
      text = t('save.saved');
      tone = 'saved';
    }
    return html`<p class=${`state ${tone}`} role="status">${text}</p>`;
  }

  private renderConflict(c: Conflict) {
    return html`<div class="notice error" role="alert">
      <p>
        <strong>${t('save.conflictTitle', { what: this.conflictName(c) })}</strong>
        ${t('save.conflictText')}
      </p>
      <div class="row">
        <button type="button" class="primary" @click=${() => this.keepMine()}>
          ${t('save.keepMine')}
        </button>
        <button type="button" @click=${() => void this.reload()}>${t('save.takeTheirs')}</button>
      </div>
    </div>`;
  }

  private renderRemote() {
    if (this.remote === 'deleted')
      return html`<div class="notice error" role="alert"><p>${t('save.remoteDeleted')}</p></div>`;
    return html`<div class="notice info" role="status">
      <p>${t('save.remoteText')}</p>
      <div class="row">
        <button type="button" @click=${() => void this.reload()}>${t('save.takeTheirs')}</button>
        <button type="button" @click=${() => (this.remote = false)}>${t('save.dismiss')}</button>
      </div>
    </div>`;
  }

  override render() {
    if (this.loadFailure)
      return html`${failureAlert(this.loadFailure)}
        <button type="button" @click=${() => void this.load()}>${t('common.retry')}</button>`;
    if (!this.doc) return html`<p class="muted" role="status">${t('common.loading')}</p>`;
    const ctl = this.ctl();
    const selected = this.view === 'canvas' ? stepOf(this.doc, this.selected) : undefined;
    const side = this.trying || !!selected;
    const bot = this.bot;
    return html`<div class="bar">
        <div class="field name">
          <label for="flow-name">${t('scn.flowName')}</label>
          <input
            id="flow-name"
            .value=${this.doc.name}
            required
            maxlength="200"
            aria-invalid=${this.flowProblem?.fields.name ? 'true' : 'false'}
            @input=${(e: Event) =>
              this.edit(
                t('scn.rename'),
                (d) => ({ ...d, name: (e.target as HTMLInputElement).value }),
                'flow:name',
              )}
          />
        </div>
        <div class="tools" role="toolbar" aria-label=${t('scn.tools')}>
          <button
            type="button"
            aria-pressed=${this.view === 'canvas' ? 'true' : 'false'}
            @click=${() => this.switchView('canvas')}
          >
            ${t('scn.viewCanvas')}
          </button>
          <button
            type="button"
            aria-pressed=${this.view === 'outline' ? 'true' : 'false'}
            @click=${() => this.switchView('outline')}
          >
            ${t('scn.viewOutline')}
          </button>
          <button
            type="button"
            aria-keyshortcuts="Control+Z Meta+Z"
            aria-disabled=${this.history.canUndo ? 'false' : 'true'}
            @click=${() => this.undo()}
          >
            ${t('scn.undo')}
          </button>
          <button
            type="button"
            aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z Control+Y"
            aria-disabled=${this.history.canRedo ? 'false' : 'true'}
            @click=${() => this.redo()}
          >
            ${t('scn.redo')}
          </button>
          <button
            type="button"
            aria-pressed=${this.trying ? 'true' : 'false'}
            @click=${() => void this.openTry()}
          >
            ${t('scn.try')}
          </button>
          <button type="button" @click=${() => void this.exportFlow()}>${t('scn.export')}</button>
        </div>
      </div>
      ${
        bot
          ? html`<div class="field inline welcome">
                <input
                  type="checkbox"
                  id="welcome"
                  .checked=${bot.welcome_flow_id === this.flowId}
                  @change=${(e: Event) => void this.setWelcome((e.target as HTMLInputElement).checked)}
                />
                <label for="welcome">${t('scn.welcome', { bot: bot.name })}</label>
              </div>
              ${failureAlert(this.botFailure)}`
          : nothing
      }
      ${this.renderState()} ${this.conflict ? this.renderConflict(this.conflict) : nothing}
      ${this.remote ? this.renderRemote() : nothing}
      ${this.flowProblem ? failureAlert(this.flowProblem, ['name']) : nothing}
      <div class=${`work${side ? ' with-side' : ''}`}>
        <div>
          ${
            this.view === 'canvas'
              ? html`<tpc-flow-canvas .ctl=${ctl}></tpc-flow-canvas>`
              : html`<tpc-flow-outline .ctl=${ctl}></tpc-flow-outline>`
          }
        </div>
        ${
          side
            ? html`<div class="side">
                <tpc-try-panel
                  ?hidden=${!this.trying}
                  .api=${this.api}
                  .shopId=${this.shopId}
                  .flowId=${this.flowId}
                  .prepare=${this.prepareTry}
                  @tpc-trace=${this.onTrace}
                ></tpc-try-panel>
                ${
                  selected
                    ? html`<section aria-labelledby="panel-h">
                        <div class="spread">
                          <h2 id="panel-h">${stepLabel(selected)}</h2>
                          <button type="button" @click=${() => (this.selected = null)}>
                            ${t('scn.closePanel')}
                          </button>
                        </div>
                        <tpc-step-form
                          .ctl=${ctl}
                          .key=${selected.key}
                          data-key=${selected.key}
                        ></tpc-step-form>
                      </section>`
                    : nothing
                }
              </div>`
            : nothing
        }
      </div>`;
  }

  private switchView(view: View) {
    this.view = view;
    this.dispatchEvent(
      new CustomEvent('tpc-view', { detail: view, bubbles: true, composed: true }),
    );
  }
}
define('tpc-flow-editor', TpcFlowEditor);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-flow-editor': TpcFlowEditor;
  }
}
