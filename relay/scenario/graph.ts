/**
 * Endless loops in a flow. The runtime runs steps one after another until a step waits for
 * the user; a cycle of steps none of which waits would send messages forever. Saves that
 * would close such a cycle are refused, so the runtime never meets one (it still caps the
 * steps of one run, as a second line of defence).
 *
 * Pure functions over a small view of the steps, so the rule is tested without a database.
 */

/** The fields through which one step moves on to another without the user acting. */
export type EdgeField = 'next_step_id' | 'condition.then_step_id' | 'condition.else_step_id';

export type GraphStep = {
  id: number;
  type: string;
  next_step_id: number | null;
  then_step_id: number | null;
  else_step_id: number | null;
  /** Whether the step has buttons (menu items) that lead to a step. */
  has_step_buttons: boolean;
};

/** A cycle: `steps` starts and ends with the same id; `field` is the first step's way out. */
export type Loop = { steps: number[]; field: EdgeField };

/**
 * A step waits for the user when it asks a question, shows buttons that lead on, or pauses
 * (a delay resumes later, from the scheduler, so it cannot spin either).
 */
export const waitsForUser = (s: GraphStep): boolean =>
  s.type === 'question' || s.type === 'delay' || s.has_step_buttons;

const edges = (s: GraphStep): { field: EdgeField; to: number }[] => {
  const out: { field: EdgeField; to: number | null }[] = [
    { field: 'next_step_id', to: s.next_step_id },
    { field: 'condition.then_step_id', to: s.then_step_id },
    { field: 'condition.else_step_id', to: s.else_step_id },
  ];
  return out.filter((e): e is { field: EdgeField; to: number } => e.to !== null);
};

/**
 * The shortest cycle through `start` in which no step waits for the user, or null.
 * Only a cycle through the step just saved is looked for: a save changes that one step, so
 * any new endless loop runs through it, and an older one elsewhere does not block the save.
 */
export function endlessLoopThrough(steps: Iterable<GraphStep>, start: number): Loop | null {
  const byId = new Map<number, GraphStep>();
  for (const s of steps) byId.set(s.id, s);
  const first = byId.get(start);
  if (!first || waitsForUser(first)) return null;

  for (const { field, to } of edges(first)) {
    // Breadth-first from the edge's target back to `start`, through steps that do not wait.
    const cameFrom = new Map<number, number>([[to, start]]);
    const queue = [to];
    while (queue.length) {
      const id = queue.shift()!;
      if (id === start) {
        const path = [start];
        for (let at = cameFrom.get(start)!; at !== start; at = cameFrom.get(at)!) path.push(at);
        path.push(start);
        // Walked backwards from the end: the first step follows `start`.
        return { steps: [start, ...path.slice(1, -1).reverse(), start], field };
      }
      const step = byId.get(id);
      if (!step || waitsForUser(step)) continue;
      for (const e of edges(step)) {
        if (cameFrom.has(e.to)) continue;
        cameFrom.set(e.to, id);
        queue.push(e.to);
      }
    }
  }
  return null;
}

/** "This would loop forever: step 3 → step 5 → step 3 …", for a field error. */
export const describeLoop = (loop: Loop): string =>
  `This would loop forever: ${loop.steps.map((id) => `step ${id}`).join(' → ')} ` +
  'run one after another without waiting for the user. ' +
  'Put a question, buttons leading to a step, or a delay in the loop.';
