import type { ApiFailure } from '../api/client.js';
import type { EditorDoc, EditorStep, Point, StepType } from './doc.js';

/** A form or tag to pick in a step. */
export type Named = { id: number; name: string };

/**
 * What the editor's views (canvas, outline, step form, Try panel) read and do: one object,
 * handed down as a property and replaced on every change so each view renders again.
 */
export type EditorCtl = {
  doc: EditorDoc;
  /** The step shown in the side panel. */
  selected: string | null;
  /** The step whose deletion waits for a confirmation. */
  confirming: string | null;
  /** The relay's refusals, per step key (field keys as the API gives them). */
  problems: ReadonlyMap<string, ApiFailure>;
  /** Steps the Try panel's test person went through, and where they wait now. */
  visited: ReadonlySet<string>;
  waiting: string | null;
  forms: readonly Named[];
  tags: readonly Named[];
  /** Names usable as {{variables}}: name, phone, custom fields, the flow's answers. */
  variables: readonly string[];
  /** Managers and owners edit; a view-only person reads (never today: both roles edit flows). */
  readOnly: boolean;

  /**
   * Changes the doc (one undo step). Edits with the same `merge` key in a row (typing in one
   * field) are one undo step.
   */
  edit(label: string, change: (doc: EditorDoc) => EditorDoc, merge?: string): void;
  /** Changes one step. */
  update(
    key: string,
    label: string,
    change: (step: EditorStep) => EditorStep,
    merge?: string,
  ): void;
  select(key: string | null, focus?: boolean): void;
  /** A new step of `type` at `at` (canvas pixels), selected; its key. */
  add(type: StepType, at?: Point): string;
  /** Asks to delete a step (the panel shows what leads to it), or deletes it once confirmed. */
  remove(key: string, confirmed?: boolean): void;
  cancelRemove(): void;
};
