import { ApiFailure, must, type Api, type Schemas } from '../api/client.js';
import { buttonKey, hasNext, stepKey, type EditorDoc, type EditorStep } from './doc.js';

type Step = Schemas['Step'];
type Item = Schemas['MenuItem'];
type Flow = Schemas['Flow'];
type StepFields = Omit<Schemas['StepPatch'], 'shop_id' | 'updated_at'>;

/** What the relay said about an object the editor could not save: shown on its card. */
export type Problems = Map<string, ApiFailure>;

/** Someone saved an object after the editor read it: the relay's 409, with their version. */
export type Conflict = {
  kind: 'flow' | 'step' | 'button';
  /** The step the object is or belongs to (null for the flow). */
  step: string | null;
  current: Flow | Step | Item;
  failure: ApiFailure;
};

export type SaveResult = {
  /** Everything in the doc is on the relay. */
  saved: boolean;
  problems: Problems;
  /** The flow's own problems (its name, first step) and steps that could not be deleted. */
  flowProblem: ApiFailure | null;
  conflict: Conflict | null;
  /** The relay could not be reached (or answered 5xx): try again later. */
  offline: boolean;
};

class Stop extends Error {
  constructor(readonly conflict: Conflict | null) {
    super('stopped');
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Saves an editor doc to the relay: compares it with what the relay has (the base: the flow,
 * its steps and buttons as last read or saved) and makes the calls that close the gap — new
 * steps, changed fields, buttons, deleted steps, the flow's name and first step — each PATCH
 * with the `updated_at` it read, so a change someone else saved meanwhile is never
 * overwritten without the person choosing so (409: `Conflict`). The relay checks every save
 * (references, type rules, loops); its refusals are kept per step, for the step's card.
 */
export class FlowSaver {
  private flow: Flow;
  private readonly steps = new Map<number, Step>();
  /** Relay ids of the doc's steps and buttons, by key; none for what is not saved yet. */
  private readonly stepIds = new Map<string, number>();
  private readonly buttonIds = new Map<string, number>();

  constructor(
    private readonly api: Api,
    private readonly shopId: number,
    flow: Flow,
    steps: Step[],
  ) {
    this.flow = flow;
    for (const s of steps) this.adopt(s);
  }

  get flowId() {
    return this.flow.id;
  }

  get flowVersion() {
    return this.flow;
  }

  /** The relay id of a step, once saved. */
  idOf(key: string): number | undefined {
    const id = this.stepIds.get(key);
    return id !== undefined && this.steps.has(id) ? id : undefined;
  }

  /** The step key of a relay id (the Try panel's path). */
  keyOf(id: number): string | undefined {
    for (const [key, value] of this.stepIds) if (value === id && this.steps.has(id)) return key;
    return this.steps.has(id) ? stepKey(id) : undefined;
  }

  private adopt(step: Step, key = stepKey(step.id)) {
    this.steps.set(step.id, step);
    this.stepIds.set(key, step.id);
    for (const item of step.menu_items)
      if (![...this.buttonIds.values()].includes(item.id))
        this.buttonIds.set(buttonKey(item.id), item.id);
  }

  /** Takes their version of an object as the base: the next save puts the doc's over it. */
  overrule(conflict: Conflict) {
    if (conflict.kind === 'flow') this.flow = conflict.current as Flow;
    else if (conflict.kind === 'step') {
      const step = conflict.current as Step;
      this.steps.set(step.id, step);
    } else {
      const item = conflict.current as Item;
      const step = this.steps.get(item.step_id);
      if (step)
        this.steps.set(step.id, {
          ...step,
          menu_items: step.menu_items.map((i) => (i.id === item.id ? item : i)),
        });
    }
  }

  /**
   * True when the relay has something the base does not: a save the editor did not make
   * (another person, another tab). Compared by versions (`updated_at`).
   */
  async changedElsewhere(): Promise<boolean> {
    const [flow, steps] = await Promise.all([
      must(this.api.GET('/api/bot/flows/{id}/', { params: this.params(this.flow.id) })),
      loadSteps(this.api, this.shopId, this.flow.id),
    ]);
    if (flow.updated_at !== this.flow.updated_at || steps.length !== this.steps.size) return true;
    return steps.some((s) => {
      const mine = this.steps.get(s.id);
      return (
        !mine ||
        mine.updated_at !== s.updated_at ||
        !same(
          mine.menu_items.map((i) => [i.id, i.updated_at]),
          s.menu_items.map((i) => [i.id, i.updated_at]),
        )
      );
    });
  }

  private params(id: number) {
    return { path: { id }, query: { shop_id: this.shopId } };
  }

  /** The step as the API takes it; links to steps not saved yet are left out (`missing`). */
  private fields(s: EditorStep, missing: Set<string>): StepFields {
    const link = (field: string, key: string | null) => {
      if (key === null) return null;
      const id = this.idOf(key);
      if (id === undefined) missing.add(field);
      return id ?? null;
    };
    const image = s.image_url?.trim();
    return {
      type: s.type,
      name: s.name.trim(),
      payload: { text: s.text, ...(image ? { image_url: image } : {}) },
      next_step_id: hasNext(s.type) ? link('next_step_id', s.next) : null,
      variable: s.variable,
      validate: s.validate,
      error_text: s.error_text || null,
      form: s.form,
      delay_seconds: s.delay_seconds,
      condition: s.condition && {
        variable: s.condition.variable,
        equals: s.condition.equals,
        then_step_id: link('condition', s.condition.then),
        else_step_id: link('condition', s.condition.else),
      },
      action: s.action && {
        set_var: s.action.set_var,
        add_tag_id: s.action.add_tag_id,
        remove_tag_id: s.action.remove_tag_id,
      },
      ui: s.ui,
    };
  }

  private static fieldsOf(s: Step): StepFields {
    return {
      type: s.type,
      name: s.name,
      payload: {
        text: s.payload.text ?? '',
        ...(s.payload.image_url ? { image_url: s.payload.image_url } : {}),
      },
      next_step_id: s.next_step_id,
      variable: s.variable,
      validate: s.validate,
      error_text: s.error_text,
      form: s.form,
      delay_seconds: s.delay_seconds,
      condition: s.condition && {
        variable: s.condition.variable,
        equals: s.condition.equals,
        then_step_id: s.condition.then_step_id ?? null,
        else_step_id: s.condition.else_step_id ?? null,
      },
      action: s.action && {
        set_var: s.action.set_var ?? null,
        add_tag_id: s.action.add_tag_id ?? null,
        remove_tag_id: s.action.remove_tag_id ?? null,
      },
      ui: s.ui,
    };
  }

  /** Saves `doc`: a few passes, since a save can wait for another (a link to a new step). */
  async save(doc: EditorDoc): Promise<SaveResult> {
    let result: SaveResult | null = null;
    for (let pass = 0; pass < 3; pass++) {
      const { done, ...r } = await this.pass(doc);
      result = r;
      if (r.saved || r.conflict || r.offline || done === 0) break;
    }
    return result!;
  }

  private async pass(doc: EditorDoc): Promise<SaveResult & { done: number }> {
    const problems: Problems = new Map();
    let flowProblem: ApiFailure | null = null;
    let unsaved = false;
    let done = 0;
    const q = { query: { shop_id: this.shopId } };
    /** Runs a call; false when the relay refused it (kept as `onRefusal` says). */
    const attempt = async <T>(
      call: () => Promise<T>,
      onRefusal: (f: ApiFailure) => void,
      conflict?: (f: ApiFailure) => Conflict,
    ): Promise<T | undefined> => {
      try {
        const value = await call();
        done += 1;
        return value;
      } catch (err) {
        const f = err instanceof ApiFailure ? err : new ApiFailure(0, String(err));
        if (f.status === 0 || f.status >= 500 || f.status === 401) throw f;
        if (f.status === 409 && conflict && f.current) throw new Stop(conflict(f));
        unsaved = true;
        onRefusal(f);
        return undefined;
      }
    };
    const refuse =
      (key: string, prefix = '') =>
      (f: ApiFailure) => {
        const fields = Object.fromEntries(
          Object.entries(f.fields).map(([k, v]) => [`${prefix}${k}`, v]),
        );
        const had = problems.get(key);
        problems.set(
          key,
          new ApiFailure(f.status, [had?.common, f.common].filter(Boolean).join(' '), {
            ...had?.fields,
            ...fields,
          }),
        );
      };

    try {
      // 1. New steps (and steps someone deleted meanwhile, brought back by undo).
      for (const s of doc.steps) {
        if (this.idOf(s.key) !== undefined) continue;
        const missing = new Set<string>();
        const fields = this.fields(s, missing);
        const created = await attempt(
          () =>
            must(
              this.api.POST('/api/bot/steps/', {
                params: q,
                body: { ...fields, flow_id: this.flow.id, type: s.type },
              }),
            ),
          refuse(s.key),
        );
        if (created) {
          this.adopt(created, s.key);
          for (const b of s.buttons) this.buttonIds.delete(b.key);
        }
      }
      // 2. Changed steps: only the fields that differ, from the version read.
      for (const s of doc.steps) {
        const id = this.idOf(s.key);
        if (id === undefined) continue;
        const base = this.steps.get(id)!;
        const missing = new Set<string>();
        const mine = this.fields(s, missing);
        const theirs = FlowSaver.fieldsOf(base);
        const patch: Record<string, unknown> = {};
        const retyped = mine.type !== theirs.type;
        for (const [k, v] of Object.entries(mine))
          if (!missing.has(k) && (retyped || !same(v, theirs[k as keyof StepFields]))) patch[k] = v;
        if (missing.size) unsaved = true;
        if (!Object.keys(patch).length) continue;
        const saved = await attempt(
          () =>
            must(
              this.api.PATCH('/api/bot/steps/{id}/', {
                params: this.params(id),
                body: { ...patch, updated_at: base.updated_at },
              }),
            ),
          refuse(s.key),
          (f) => ({ kind: 'step', step: s.key, current: f.current as Step, failure: f }),
        );
        if (saved) this.steps.set(id, saved);
      }
      // 3. Buttons, in order, then the buttons that went.
      for (const s of doc.steps) {
        const stepId = this.idOf(s.key);
        if (stepId === undefined) continue;
        for (const [position, b] of s.buttons.entries()) {
          const base = this.steps.get(stepId)!.menu_items;
          const id = this.buttonIds.get(b.key);
          const current = base.find((i) => i.id === id);
          const next = b.next === null ? null : this.idOf(b.next);
          if (next === undefined) {
            unsaved = true;
            continue;
          }
          const body = {
            title: b.title.trim(),
            next_step_id: next,
            url: next === null ? b.url : null,
            position,
          };
          if (current) {
            const patch = Object.fromEntries(
              Object.entries(body).filter(([k, v]) => !same(v, current[k as keyof Item])),
            );
            if (!Object.keys(patch).length) continue;
            const saved = await attempt(
              () =>
                must(
                  this.api.PATCH('/api/bot/menu_items/{id}/', {
                    params: this.params(current.id),
                    body: { ...patch, updated_at: current.updated_at },
                  }),
                ),
              refuse(s.key, `buttons.${position}.`),
              (f) => ({ kind: 'button', step: s.key, current: f.current as Item, failure: f }),
            );
            if (saved) this.setItem(stepId, saved);
          } else {
            const created = await attempt(
              () =>
                must(
                  this.api.POST('/api/bot/menu_items/', {
                    params: q,
                    body: { ...body, step_id: stepId },
                  }),
                ),
              refuse(s.key, `buttons.${position}.`),
            );
            if (created) {
              this.buttonIds.set(b.key, created.id);
              this.setItem(stepId, created);
            }
          }
        }
        const kept = new Set(s.buttons.map((b) => this.buttonIds.get(b.key)));
        for (const item of this.steps.get(stepId)!.menu_items.filter((i) => !kept.has(i.id))) {
          const gone = await attempt(
            () =>
              must(this.api.DELETE('/api/bot/menu_items/{id}/', { params: this.params(item.id) })),
            refuse(s.key),
          );
          if (gone) this.dropItem(stepId, item.id);
        }
      }
      // 4. Steps that went.
      const keys = new Set(doc.steps.map((s) => this.idOf(s.key)));
      for (const id of [...this.steps.keys()].filter((id) => !keys.has(id))) {
        const gone = await attempt(
          () => must(this.api.DELETE('/api/bot/steps/{id}/', { params: this.params(id) })),
          (f) => (flowProblem = f),
        );
        if (gone) this.forget(id);
      }
      // 5. The flow's name and first step.
      const first = doc.first === null ? null : this.idOf(doc.first);
      if (first === undefined) unsaved = true;
      const flowPatch: { name?: string; first_step_id?: number | null } = {};
      if (doc.name.trim() !== this.flow.name) flowPatch.name = doc.name.trim();
      if (first !== undefined && first !== this.flow.first_step_id) flowPatch.first_step_id = first;
      if (Object.keys(flowPatch).length) {
        const saved = await attempt(
          () =>
            must(
              this.api.PATCH('/api/bot/flows/{id}/', {
                params: this.params(this.flow.id),
                body: { ...flowPatch, updated_at: this.flow.updated_at },
              }),
            ),
          (f) => (flowProblem = f),
          (f) => ({ kind: 'flow', step: null, current: f.current as Flow, failure: f }),
        );
        if (saved) this.flow = saved;
      }
    } catch (err) {
      if (err instanceof Stop)
        return {
          saved: false,
          problems,
          flowProblem,
          conflict: err.conflict,
          offline: false,
          done,
        };
      const f = err as ApiFailure;
      return {
        saved: false,
        problems,
        flowProblem: f.status === 401 ? f : flowProblem,
        conflict: null,
        offline: f.status !== 401,
        done,
      };
    }
    return { saved: !unsaved, problems, flowProblem, conflict: null, offline: false, done };
  }

  private setItem(stepId: number, item: Item) {
    const step = this.steps.get(stepId)!;
    const items = step.menu_items.some((i) => i.id === item.id)
      ? step.menu_items.map((i) => (i.id === item.id ? item : i))
      : [...step.menu_items, item];
    this.steps.set(stepId, { ...step, menu_items: items });
  }

  private dropItem(stepId: number, itemId: number) {
    const step = this.steps.get(stepId)!;
    this.steps.set(stepId, { ...step, menu_items: step.menu_items.filter((i) => i.id !== itemId) });
  }

  /**
   * A deleted step. The relay cut the links to it (ON DELETE SET NULL, without new
   * versions); the base keeps them, so the next save sends the doc's cut links, and a button
   * left with nowhere to go gets the relay's own word for it on its card.
   */
  private forget(id: number) {
    this.steps.delete(id);
    for (const [key, value] of this.stepIds) if (value === id) this.stepIds.delete(key);
    if (this.flow.first_step_id === id) this.flow = { ...this.flow, first_step_id: null };
  }
}

/** Every step of a flow (with its buttons), in the order they were made. */
export async function loadSteps(api: Api, shopId: number, flowId: number): Promise<Step[]> {
  const steps: Step[] = [];
  for (;;) {
    const page = await must(
      api.GET('/api/bot/steps/', {
        params: { query: { shop_id: shopId, flow_id: flowId, limit: 100, offset: steps.length } },
      }),
    );
    steps.push(...page.results);
    if (!page.results.length || steps.length >= page.count) return steps;
  }
}
