/** Edits in a row with the same merge key this close together are one undo step. */
const MERGE_MS = 1500;
/** How many steps back undo goes. */
const DEPTH = 200;

type Entry<T> = { state: T; label: string; merge?: string; at: number };

/**
 * Undo and redo over immutable states: each edit records the state before it under a label
 * (what undo says it undid). Typing in one field is many edits with one merge key: one step.
 */
export class History<T> {
  private past: Entry<T>[] = [];
  private future: Entry<T>[] = [];

  get canUndo() {
    return this.past.length > 0;
  }

  get canRedo() {
    return this.future.length > 0;
  }

  /** Records `before`, the state an edit labelled `label` replaces. */
  record(before: T, label: string, merge?: string) {
    const now = Date.now();
    const last = this.past.at(-1);
    if (merge && last?.merge === merge && now - last.at < MERGE_MS && !this.future.length)
      last.at = now;
    else this.past.push({ state: before, label, merge, at: now });
    if (this.past.length > DEPTH) this.past.shift();
    this.future = [];
  }

  /** The state before the last edit, and its label; `current` becomes redoable. */
  undo(current: T): { state: T; label: string } | undefined {
    const entry = this.past.pop();
    if (entry) this.future.push({ ...entry, state: current });
    return entry;
  }

  redo(current: T): { state: T; label: string } | undefined {
    const entry = this.future.pop();
    if (entry) this.past.push({ ...entry, state: current, merge: undefined });
    return entry;
  }

  clear() {
    this.past = [];
    this.future = [];
  }
}
