import { describe, expect, it } from 'vitest';
import {
  describeLoop,
  endlessLoopThrough,
  waitsForUser,
  type GraphStep,
} from '../../../relay/scenario/graph.js';

/** `step(1, 'message', { next: 2 })` */
const step = (
  id: number,
  type = 'message',
  o: { next?: number; then?: number; else?: number; buttons?: boolean } = {},
): GraphStep => ({
  id,
  type,
  next_step_id: o.next ?? null,
  then_step_id: o.then ?? null,
  else_step_id: o.else ?? null,
  has_step_buttons: o.buttons ?? false,
});

describe('endless loop rule', () => {
  it('finds a cycle of steps that never wait, in the order they run', () => {
    const steps = [
      step(1, 'message', { next: 2 }),
      step(2, 'action', { next: 3 }),
      step(3, 'lead', { next: 1 }),
    ];
    expect(endlessLoopThrough(steps, 1)).toEqual({ steps: [1, 2, 3, 1], field: 'next_step_id' });
    expect(endlessLoopThrough(steps, 2)).toEqual({ steps: [2, 3, 1, 2], field: 'next_step_id' });
  });

  it('finds a step that leads to itself', () => {
    expect(endlessLoopThrough([step(5, 'message', { next: 5 })], 5)).toEqual({
      steps: [5, 5],
      field: 'next_step_id',
    });
  });

  it('allows a cycle broken by a question, a delay or buttons leading to a step', () => {
    for (const waiting of [
      step(2, 'question', { next: 1 }),
      step(2, 'delay', { next: 1 }),
      step(2, 'message', { next: 1, buttons: true }),
    ]) {
      expect(waitsForUser(waiting)).toBe(true);
      expect(endlessLoopThrough([step(1, 'message', { next: 2 }), waiting], 1)).toBeNull();
    }
    expect(endlessLoopThrough([step(1, 'question', { next: 1 })], 1)).toBeNull();
  });

  it('follows both branches of a condition and names the branch that closes the loop', () => {
    const steps = [
      step(1, 'condition', { then: 2, else: 3 }),
      step(2, 'question', { next: 1 }),
      step(3, 'action', { next: 1 }),
    ];
    expect(endlessLoopThrough(steps, 1)).toEqual({
      steps: [1, 3, 1],
      field: 'condition.else_step_id',
    });
    expect(endlessLoopThrough(steps, 3)).toEqual({ steps: [3, 1, 3], field: 'next_step_id' });
    expect(endlessLoopThrough(steps, 2)).toBeNull();
  });

  it('reports the shortest loop and ignores loops elsewhere in the flow', () => {
    const steps = [
      step(1, 'message', { next: 2 }),
      step(2, 'condition', { then: 3, else: 1 }),
      step(3, 'message', { next: 4 }),
      step(4, 'message', { next: 1 }),
      step(7, 'message', { next: 8 }),
      step(8, 'message', { next: 7 }),
    ];
    expect(endlessLoopThrough(steps, 1)?.steps).toEqual([1, 2, 1]);
    expect(endlessLoopThrough([step(1, 'message', { next: 7 }), ...steps.slice(4)], 1)).toBeNull();
  });

  it('ends at missing steps and at steps without a way out', () => {
    expect(endlessLoopThrough([step(1, 'message', { next: 99 })], 1)).toBeNull();
    expect(endlessLoopThrough([step(1), step(2, 'message', { next: 1 })], 2)).toBeNull();
    expect(endlessLoopThrough([], 1)).toBeNull();
  });

  it('describes a loop for a field error', () => {
    expect(describeLoop({ steps: [4, 9, 4], field: 'next_step_id' })).toMatch(
      /^This would loop forever: step 4 → step 9 → step 4 /,
    );
  });
});
