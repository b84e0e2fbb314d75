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
  (shopId: number, errors: FieldErrors = {}) => {
    const add = (field: string, message: string) => void (errors[field] ??= []).push(message);
    const ours = (row: { shop_id: number } | undefined) => row?.shop_id === shopId;
    return {
      add,
      bot(field: string, id: number) {
        if (!ours(q.botOwner.get(id))) add(field, 'Choose a bot of this shop.');
      },
      /** True when the flow is the shop's, so the step's own references can be checked. */
      flow(field: string, id: number) {
        if (!ours(q.flowOwner.get(id))) add(field, 'Choose a flow of this shop.');
        return !errors[field];
      },
      form(field: string, id: number | null) {
        if (id !== null && !ours(q.formOwner.get(id))) add(field, 'Choose a form of this shop.');
      },
      tag(field: string, id: number | null) {
        if (id !== null && !ours(q.tagOwner.get(id))) add(field, 'Choose a tag of this shop.');
      },
      step(field: string, id: number | null, flowId: number) {
        if (id === null) return;
        const step = q.stepOwner.get(id);
        if (!ours(step) || step!.flow_id !== flowId) add(field, 'Choose a step of this flow.');
      },
      /** Every reference of a step, once its flow is known to be the shop's. */
      stepData(s: StepData) {
        this.step('next_step_id', s.next_step_id, s.flow_id);
        this.step('condition.then_step_id', s.condition?.then_step_id ?? null, s.flow_id);
        this.step('condition.else_step_id', s.condition?.else_step_id ?? null, s.flow_id);
        this.form('form', s.form);
        this.tag('action.add_tag_id', s.action?.add_tag_id ?? null);
        this.tag('action.remove_tag_id', s.action?.remove_tag_id ?? null);
      },
      /** Throws the collected field errors, if any. */
      done() {
        if (Object.keys(errors).length) throw badRequest('Check the highlighted fields.', errors);
      },
    };
  };
