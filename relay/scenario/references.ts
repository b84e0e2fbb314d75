import type { Tx } from '../db/sql.js';
import { badRequest, type FieldErrors } from '../http/errors.js';
import type { ScenarioQueries } from './queries.js';
import type { StepData } from './schemas.js';

/**
 * Checks of the ids a scenario object refers to: each must be an object of the same shop
 * (and a step of the same flow), else a field error under the field's name. Run inside the
 * write's transaction, so the objects cannot vanish between the check and the write.
 */
export const referenceChecks =
  (q: ScenarioQueries) =>
  (tx: Tx, shopId: number, errors: FieldErrors = {}) => {
    const add = (field: string, message: string) => void (errors[field] ??= []).push(message);
    const ours = (row: { shop_id: number } | undefined) => row?.shop_id === shopId;
    const checks = {
      add,
      async bot(field: string, id: number) {
        if (!ours(await tx.get(q.botOwner, [id]))) add(field, 'Choose a bot of this shop.');
      },
      /** True when the flow is the shop's, so the step's own references can be checked. */
      async flow(field: string, id: number) {
        if (!ours(await tx.get(q.flowOwner, [id]))) add(field, 'Choose a flow of this shop.');
        return !errors[field];
      },
      async form(field: string, id: number | null) {
        if (id !== null && !ours(await tx.get(q.formOwner, [id])))
          add(field, 'Choose a form of this shop.');
      },
      async tag(field: string, id: number | null) {
        if (id !== null && !ours(await tx.get(q.tagOwner, [id])))
          add(field, 'Choose a tag of this shop.');
      },
      async step(field: string, id: number | null, flowId: number) {
        if (id === null) return;
        const step = await tx.get(q.stepOwner, [id]);
        if (!ours(step) || step!.flow_id !== flowId) add(field, 'Choose a step of this flow.');
      },
      /** Every reference of a step, once its flow is known to be the shop's. */
      async stepData(s: StepData) {
        await checks.step('next_step_id', s.next_step_id, s.flow_id);
        await checks.step('condition.then_step_id', s.condition?.then_step_id ?? null, s.flow_id);
        await checks.step('condition.else_step_id', s.condition?.else_step_id ?? null, s.flow_id);
        await checks.form('form', s.form);
        await checks.tag('action.add_tag_id', s.action?.add_tag_id ?? null);
        await checks.tag('action.remove_tag_id', s.action?.remove_tag_id ?? null);
      },
      /** Throws the collected field errors, if any. */
      done() {
        if (Object.keys(errors).length) throw badRequest('Check the highlighted fields.', errors);
      },
    };
    return checks;
  };
