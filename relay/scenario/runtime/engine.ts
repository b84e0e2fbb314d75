import type { BotUser, VarValue } from '../../bot-users/schemas.js';
import type { Recipient } from '../../bot-users/subscribers.js';
import type { Database, Tx } from '../../db/sql.js';
import { MAX_LEAD_FIELDS, type LeadValue } from '../../leads/schemas.js';
import { queueMessageInTx, SENDABLE_BOTS } from '../../messages/outbox.js';
import {
  itemCallback,
  itemOfCallback,
  stepOfCallback,
  type OutgoingButton,
  type OutgoingPayload,
} from '../../messages/schemas.js';
import type { BotUserStore } from '../../bot-users/store.js';
import type { SubscriberStore } from '../../bot-users/subscribers.js';
import type { DeliveryStore } from '../../delivery/store.js';
import type { FormStore } from '../../forms/store.js';
import type { LeadStore } from '../../leads/store.js';
import type { MessageStore } from '../../messages/store.js';
import type { Action, Condition, Step } from '../schemas.js';
import type { ScenarioStore } from '../store.js';
import { readAnswer, type AnswerKind } from './answers.js';
import { createRunStore, type Run, type Waiting } from './runs.js';

/**
 * Steps one run may take without waiting for the user. Saves that would loop forever are
 * refused by the API (relay/scenario/graph.ts); this is the second line of defence.
 */
export const MAX_STEPS_PER_MOVE = 50;

/** The outbox event of a message a scenario step sends. */
export const STEP_EVENT = 'scenario.step';

/**
 * What handling one event did: steps run (`path`: their ids, in order, when any ran), a
 * short notice for the person, if any, and for a text whether the scenario took it (moved
 * on, matched a button, answered or asked again): a text it did not take waits for a manager
 * (`message.received`).
 */
export type Outcome = { steps: number; path?: number[]; notice?: string; handled?: boolean };

export const NOTICES = {
  stale: 'This menu is out of date: use the buttons of the latest message.',
  gone: 'This button is no longer available.',
} as const;

type RuntimeStores = {
  botUsers: BotUserStore;
  subscribers: SubscriberStore;
  leads: LeadStore;
  forms: FormStore;
  deliveries: DeliveryStore;
  messages: MessageStore;
  scenario: ScenarioStore;
};

/**
 * PostgreSQL gave up on the transaction (serialization failure, deadlock): `db.tx` runs all
 * of it again, so the error is not the run's fault.
 */
const retryable = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
};

/** Who the run belongs to, read once per move. */
type Person = { user: BotUser; to: Recipient };

/**
 * The scenario runtime: moves bot users through flows. Every entry point runs inside the
 * caller's write transaction `tx` (the inbound message, the API call or the scheduler tick),
 * so the messages a move sends (queued in the outbox, sent by the delivery worker with its
 * pacing), the variables and tags it sets, the lead it creates and where the run now waits
 * are committed together or not at all. A move reads the run locked (relay/scenario/runtime/
 * runs.ts), so two messages of one person, on two relays, move it one after the other.
 *
 * A move starts at a step and runs steps one after another until one waits for the user —
 * a question, buttons leading to a step, a delay — or the flow ends. A person with
 * `subscribed_to_bot: false` (blocked the bot) or taken over by a manager gets no automatic
 * step; their run stays where it is, and goes on when they are handed back.
 */
export function createScenarioRuntime(db: Database, stores: RuntimeStores) {
  const runs = createRunStore(db);
  const { scenario } = stores;
  let stepsTotal = 0;

  const person = async (tx: Tx, botUserId: number): Promise<Person | undefined> => {
    const user = await stores.botUsers.getInTx(tx, botUserId);
    const to = user && (await stores.subscribers.recipientInTx(tx, botUserId));
    return user && to ? { user, to } : undefined;
  };
  /** Automatic steps only for a person who still follows the bot and whom no manager took over. */
  const listening = (p: Person) => p.user.store.subscribed_to_bot && p.user.takeover === null;

  /** `{{name}}` in a text becomes the variable's value (or the person's name / phone). */
  const fill = (text: string, p: Person) =>
    text.replace(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]{0,63})\s*\}\}/g, (_, name: string) =>
      String(valueOf(p, name) ?? ''),
    );

  const valueOf = (p: Person, name: string): VarValue | undefined => {
    const v = p.user.store.user_vars[name];
    if (v !== undefined) return v;
    if (name === 'name') return p.user.name || undefined;
    if (name === 'phone') return p.user.store.phone || undefined;
    return undefined;
  };

  const buttonsOf = (step: Step, seq: number): OutgoingButton[][] =>
    step.menu_items
      .filter((i) => i.url !== null || i.next_step_id !== null)
      .map((i) => [
        i.url !== null
          ? { text: i.title, url: i.url }
          : { text: i.title, callback_data: itemCallback(i.id, seq) },
      ]);

  /** Queues a message to the person (nothing when their messenger cannot be written to). */
  const send = async (tx: Tx, p: Person, payload: OutgoingPayload) => {
    if (!(p.to.test || SENDABLE_BOTS.has(p.to.bot_type)) || !p.to.chat_id) return;
    await queueMessageInTx(tx, stores, { ...p.to, chat_id: p.to.chat_id }, STEP_EVENT, payload);
  };

  /** The step's text, image and buttons, when it has something to show. */
  const say = async (tx: Tx, p: Person, step: Step, seq: number, text = step.payload.text) => {
    const buttons = buttonsOf(step, seq);
    const body = fill(text, p).trim();
    if (!body && !step.payload.image_url && !buttons.length) return;
    await send(tx, p, {
      // A keyboard needs a message to hang on.
      text: body || (step.payload.image_url ? '' : step.name || '…'),
      ...(step.payload.image_url ? { image_url: step.payload.image_url } : {}),
      ...(buttons.length ? { buttons } : {}),
    });
  };

  const holds = (c: Condition, p: Person) => {
    const want = c.equals.trim().toLowerCase();
    // `tag` is reserved: "the person has a tag named `equals`".
    if (c.variable === 'tag') return p.user.store.tags.some((t) => t.name.toLowerCase() === want);
    return (
      String(valueOf(p, c.variable) ?? '')
        .trim()
        .toLowerCase() === want
    );
  };

  const act = async (tx: Tx, a: Action, p: Person) => {
    const id = p.user.id;
    // Variables are merged key by key under the bot user's row lock (relay/bot-users/store.ts).
    await stores.botUsers.updateInTx(tx, id, {
      ...(a.set_var ? { user_vars: { [a.set_var.name]: fill(a.set_var.value, p) } } : {}),
    });
    if (a.add_tag_id === null && a.remove_tag_id === null) return;
    // Tags are replaced as a whole set: read it again now that the update above holds that
    // lock, so a manager's tag edit at the same moment (another relay) is not undone.
    const user = await stores.botUsers.getInTx(tx, id);
    const tags = new Set((user ?? p.user).store.tags.map((t) => t.id));
    if (a.add_tag_id !== null) tags.add(a.add_tag_id);
    if (a.remove_tag_id !== null) tags.delete(a.remove_tag_id);
    await stores.botUsers.updateInTx(tx, id, { tag_ids: [...tags] });
  };

  /**
   * A lead of the step's form, its fields filled from the person's variables (a field named
   * `name` or `phone` falls back to the bot user's own); without a form, every variable.
   * Raises `lead.created` like the widget's leads, so the managers' alert goes out.
   */
  const createLead = async (tx: Tx, step: Step, p: Person) => {
    const form = step.form === null ? undefined : await stores.forms.getInTx(tx, step.form);
    const fields: Record<string, LeadValue> = {};
    if (form) {
      for (const f of form.fields) {
        const v = valueOf(p, f.name);
        if (v !== undefined) fields[f.name] = v;
      }
    } else {
      // No more fields than a lead may have.
      for (const [k, v] of Object.entries(p.user.store.user_vars).slice(0, MAX_LEAD_FIELDS))
        fields[k] = v;
    }
    await stores.leads.createInTx(tx, {
      shop_id: p.user.shop_id,
      form_id: form?.id ?? null,
      fields,
      bot_user_id: p.user.id,
      source: 'bot',
    });
  };

  /**
   * Runs steps from `stepId` until one waits or the flow ends, and records where the run is.
   * Every button shown in this move carries the run's new `seq`. `who` is the run's person,
   * as the caller just read them.
   */
  const move = async (
    tx: Tx,
    run: Run,
    stepId: number | null,
    who: Person,
  ): Promise<{ steps: number; path: number[] }> => {
    const seq = run.seq + 1;
    let p: Person | undefined = who;
    let steps = 0;
    const path: number[] = [];
    let at: { id: number; waiting: Waiting; delayMs: number | null } | null = null;
    while (p && stepId !== null && at === null) {
      if (steps >= MAX_STEPS_PER_MOVE) {
        console.error(`scenario: flow ${run.flow_id} ran ${steps} steps without waiting; stopped`);
        break;
      }
      const step = await scenario.stepInTx(tx, stepId);
      if (!step || step.flow_id !== run.flow_id) break;
      steps += 1;
      path.push(step.id);
      if (step.type === 'condition') {
        const c = step.condition!;
        stepId = holds(c, p) ? c.then_step_id : c.else_step_id;
        continue;
      }
      if (step.type === 'action' && step.action) {
        await act(tx, step.action, p);
        p = await person(tx, run.bot_user_id);
        if (!p) break;
      }
      if (step.type === 'lead') await createLead(tx, step, p);
      await say(tx, p, step, seq);
      if (step.type === 'question') at = { id: step.id, waiting: 'answer', delayMs: null };
      else if (step.type === 'delay')
        at = { id: step.id, waiting: 'delay', delayMs: (step.delay_seconds ?? 1) * 1000 };
      else if (step.menu_items.some((i) => i.next_step_id !== null))
        at = { id: step.id, waiting: 'buttons', delayMs: null };
      else stepId = step.next_step_id;
    }
    await runs.saveInTx(
      tx,
      {
        bot_user_id: run.bot_user_id,
        shop_id: run.shop_id,
        flow_id: run.flow_id,
        step_id: at?.id ?? null,
        waiting: at?.waiting ?? null,
        seq,
      },
      at?.delayMs ?? null,
    );
    stepsTotal += steps;
    return { steps, path };
  };

  /**
   * A run of `flowId` for the person, replacing whatever run they were in (locked: its seq
   * goes on from the old run's, so the old run's buttons stop working).
   */
  const fresh = async (
    tx: Tx,
    botUserId: number,
    shopId: number,
    flowId: number,
  ): Promise<Run> => ({
    bot_user_id: botUserId,
    shop_id: shopId,
    flow_id: flowId,
    step_id: null,
    waiting: null,
    seq: (await runs.getInTx(tx, botUserId))?.seq ?? 0,
    resume_at: null,
    updated_at: '',
  });

  /**
   * The step the run waits at — unless it was deleted, or edited so that it no longer waits
   * that way (a question turned into a message): then the run has nothing to wait for.
   */
  const waitingStep = async (tx: Tx, run: Run | undefined) => {
    if (!run || run.step_id === null || run.waiting === null) return undefined;
    const step = await scenario.stepInTx(tx, run.step_id);
    if (!step) return undefined;
    const still =
      run.waiting === 'answer'
        ? step.type === 'question' && step.variable !== null
        : run.waiting === 'delay'
          ? step.type === 'delay'
          : step.menu_items.some((i) => i.next_step_id !== null);
    return still ? step : undefined;
  };

  const startAt = async (
    tx: Tx,
    botUserId: number,
    flowId: number,
    stepId: number | null,
  ): Promise<Outcome> => {
    const p = await person(tx, botUserId);
    if (!p || !listening(p)) return { steps: 0 };
    const run = await fresh(tx, botUserId, p.user.shop_id, flowId);
    return move(tx, run, stepId, p);
  };

  /** Ends the run where it is: nothing left to wait for. */
  const end = (tx: Tx, run: Run) =>
    runs.saveInTx(tx, { ...run, step_id: null, waiting: null }, null);

  return {
    runs,

    /** Steps run since the relay started (for /metrics and the scenario bench). */
    stepsTotal: () => stepsTotal,

    /** Starts the flow at its first step (the caller checked that flow and person match). */
    async startInTx(tx: Tx, botUserId: number, flowId: number): Promise<Outcome> {
      const flow = await scenario.flowInTx(tx, flowId);
      if (!flow) return { steps: 0 };
      return startAt(tx, botUserId, flowId, flow.first_step_id);
    },

    /** /start: the bot's welcome flow, when it has one. */
    async welcomeInTx(tx: Tx, botUserId: number, botId: number): Promise<Outcome> {
      const flowId = await runs.welcomeFlowOfInTx(tx, botId);
      return flowId === null ? { steps: 0 } : this.startInTx(tx, botUserId, flowId);
    },

    /**
     * Stops the person's run of `flowId` (a pending delay with it). False when they were not
     * in that flow. The move count goes up, so the stopped run's buttons stop working.
     */
    async stopInTx(tx: Tx, botUserId: number, flowId: number): Promise<boolean> {
      const run = await runs.getInTx(tx, botUserId);
      if (!run || run.flow_id !== flowId || run.step_id === null) return false;
      await end(tx, { ...run, seq: run.seq + 1 });
      return true;
    },

    /**
     * The person wrote `text`. At a step with buttons, a text equal to a button's title is a
     * press; at a question it is the answer (saved, or asked again with the error text); at
     * buttons, free text goes to the step's `next_step_id` when it has one. Otherwise the bot
     * says nothing: the message waits in the history for a manager.
     */
    async textInTx(tx: Tx, botUserId: number, text: string): Promise<Outcome> {
      const run = await runs.getInTx(tx, botUserId);
      const step = await waitingStep(tx, run);
      // Most messages come from people in no flow: nothing more is read for them.
      const p = run && step ? await person(tx, botUserId) : undefined;
      if (!run || !step || !p || !listening(p)) return { steps: 0 };
      const wanted = text.trim().toLowerCase();
      const item = step.menu_items.find(
        (i) => i.next_step_id !== null && i.title.trim().toLowerCase() === wanted,
      );
      if (item) return { ...(await move(tx, run, item.next_step_id, p)), handled: true };
      if (run.waiting === 'answer') {
        const kind = (step.validate ?? 'text') as AnswerKind;
        const answer = readAnswer(kind, text);
        if (!answer.ok) {
          await say(tx, p, step, run.seq, step.error_text || answer.error);
          return { steps: 0, handled: true };
        }
        await stores.botUsers.updateInTx(tx, botUserId, {
          user_vars: { [step.variable!]: answer.value },
          ...(kind === 'phone' ? { phone: String(answer.value) } : {}),
        });
        // Read again: the answer is a variable the next steps may use.
        const moved = await move(tx, run, step.next_step_id, (await person(tx, botUserId))!);
        return { ...moved, handled: true };
      }
      if (run.waiting === 'buttons' && step.next_step_id !== null)
        return { ...(await move(tx, run, step.next_step_id, p)), handled: true };
      return { steps: 0 };
    },

    /**
     * The person pressed an inline button with this callback data. A scenario button moves
     * the run when it belongs to the message the run is waiting at; a press on an older
     * message changes nothing and gets a notice. A `step:<id>` button (send_message's
     * `inline_buttons`) starts the step's flow there, when that flow is of the person's bot.
     */
    async pressInTx(tx: Tx, botUserId: number, data: string): Promise<Outcome> {
      const p = await person(tx, botUserId);
      if (!p || !listening(p)) return { steps: 0 };
      const stepId = stepOfCallback(data);
      if (stepId !== undefined) {
        const step = await scenario.stepInTx(tx, stepId);
        const flow = step && (await scenario.flowInTx(tx, step.flow_id));
        if (!flow || flow.bot_id !== p.to.bot_id) return { steps: 0, notice: NOTICES.gone };
        return startAt(tx, botUserId, flow.id, stepId);
      }
      const ref = itemOfCallback(data);
      const item = ref && (await scenario.itemInTx(tx, ref.itemId));
      if (!ref || !item || item.shop_id !== p.user.shop_id)
        return { steps: 0, notice: NOTICES.gone };
      const run = await runs.getInTx(tx, botUserId);
      if (!run || run.seq !== ref.seq || run.step_id !== item.step_id || run.waiting === null)
        return { steps: 0, notice: NOTICES.stale };
      if (item.next_step_id === null) return { steps: 0, notice: NOTICES.gone };
      return move(tx, run, item.next_step_id, p);
    },

    /** The title of the button a callback names, for the history (null when unknown). */
    async buttonTitleInTx(tx: Tx, data: string): Promise<string | null> {
      const ref = itemOfCallback(data);
      return (ref && (await scenario.itemInTx(tx, ref.itemId))?.title) ?? null;
    },

    /**
     * Continues the runs whose delay ended by `at` (null: now), at most `limit`, each in a savepoint: one
     * run that fails (logged) ends that run instead of blocking the others forever. The runs
     * are claimed (locked, skipping those another relay holds, on PostgreSQL), so each delay
     * resumes once however many relays look.
     */
    async resumeDueInTx(tx: Tx, at: string | null, limit: number): Promise<number> {
      let resumed = 0;
      for (const run of await runs.dueInTx(tx, at, limit)) {
        try {
          await tx.savepoint(async (sp) => {
            const step = await waitingStep(sp, run);
            const p = await person(sp, run.bot_user_id);
            // Taken over since it was read as due: it stays paused until handed back.
            if (p && p.user.takeover !== null) return;
            if (!step || run.waiting !== 'delay' || !p || !listening(p)) await end(sp, run);
            else await move(sp, run, step.next_step_id, p);
          });
        } catch (err) {
          // A deadlock (an inbound message of the same person locks the bot user, then the
          // run; a move locks them the other way) fails the whole tick, which runs again.
          if (retryable(err)) throw err;
          console.error(`scenario: resuming bot user ${run.bot_user_id}:`, err);
          await end(tx, run);
        }
        resumed += 1;
      }
      return resumed;
    },
  };
}
export type ScenarioRuntime = ReturnType<typeof createScenarioRuntime>;
