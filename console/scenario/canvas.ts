import { html, nothing, svg } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { ApiFailure } from '../api/client.js';
import { ConsoleElement, define } from '../app/element.js';
import { t, tn, type TextKey } from '../i18n/i18n.js';
import { sentence } from '../ui/fields.js';
import { place } from '../ui/position.js';
import { shared } from '../ui/styles.js';
import { canvasStyles } from './canvas-styles.js';
import type { EditorCtl } from './ctl.js';
import {
  CARD_W,
  cardHeight,
  HEAD_H,
  INLET_Y,
  layout,
  linksOf,
  relink,
  ROW_H,
  rowsOf,
  STEP_TYPES,
  type EditorStep,
  type Point,
  type StepType,
} from './doc.js';
import { icon } from './icons.js';
import { formatDelay, stepLabel } from './step-form.js';

const MIN_ZOOM = 0.25;
const MAX_ZOOM = 2;
/** Below this zoom cards are hard to read: the first view shows the start instead. */
const READABLE = 0.6;
/** Flows with more steps than this get a minimap. */
const MINIMAP_FROM = 8;

type Box = { x: number; y: number; w: number; h: number };
type Wire = { from: string; via: string; start: Point; end: Point; over: string | null };

/**
 * What a card says of the relay's refusal: the field messages (the specific ones), else
 * the common sentence.
 */
export const problemText = (problem: ApiFailure) => {
  const fields = [...new Set(Object.values(problem.fields).flat())];
  return fields.length ? fields.join(' ') : sentence(problem);
};

/** A card's second line when its step has no text. */
const subtitle = (step: EditorStep) =>
  step.type === 'delay'
    ? t('scn.waits', { time: formatDelay(step.delay_seconds ?? 0) })
    : step.condition
      ? `${step.condition.variable} = ${step.condition.equals}`
      : '';

export const rowLabels = () => ({
  next: t('scn.rowNext'),
  then: t('scn.rowThen'),
  else: t('scn.rowElse'),
});

/**
 * The flow drawn: each step a card (its type's icon, its name, the first line of its
 * text, its buttons and ways on as outlets), arrows for every link. Pointer: drag a card
 * to move it, drag from an outlet to a card to connect, drag the background to pan, the
 * wheel to pan (with Ctrl or ⌘ to zoom), a palette of step types to click or drag in.
 * Keyboard: cards and outlets are buttons — an outlet, then a card, connects; arrow keys
 * move the focused card; Delete asks to delete it. The outline view is the full keyboard
 * and screen reader way to edit; this one is for eyes and pointers first.
 */
export class TpcFlowCanvas extends ConsoleElement {
  static override styles = [shared, canvasStyles];
  static override properties = {
    ctl: { attribute: false },
    pan: { state: true },
    zoom: { state: true },
    moving: { state: true },
    wire: { state: true },
    armed: { state: true },
    ghost: { state: true },
    panning: { state: true },
  };

  ctl!: EditorCtl;
  private pan: Point = { x: 32, y: 32 };
  private zoom = 1;
  /** A card being dragged: where it is now. */
  private moving: { key: string; at: Point; offset: Point; moved: boolean } | null = null;
  private wire: Wire | null = null;
  /** An outlet chosen with the keyboard: the next card pressed is its target. */
  private armed: { from: string; via: string } | null = null;
  private ghost: { type: StepType; client: Point; active: boolean } | null = null;
  private panning: { client: Point; pan: Point } | null = null;
  private fitted = false;
  private dropped = false;

  private get viewport() {
    return this.renderRoot.querySelector<HTMLElement>('.viewport')!;
  }

  /** Canvas pixels of a point on the screen. */
  private toWorld(clientX: number, clientY: number): Point {
    const r = this.viewport.getBoundingClientRect();
    return {
      x: (clientX - r.left - this.pan.x) / this.zoom,
      y: (clientY - r.top - this.pan.y) / this.zoom,
    };
  }

  private positions() {
    const at = layout(this.ctl.doc);
    if (this.moving) at.set(this.moving.key, this.moving.at);
    return at;
  }

  private boxes(at: Map<string, Point>): Map<string, Box> {
    const labels = rowLabels();
    return new Map(
      this.ctl.doc.steps.map((s) => {
        const p = at.get(s.key)!;
        return [s.key, { ...p, w: CARD_W, h: cardHeight(rowsOf(s, labels).length) }];
      }),
    );
  }

  /** Shows every card: the zoom that fits them (at most 100 %), centred. */
  fit() {
    const boxes = [...this.boxes(this.positions()).values()];
    const vp = this.viewport;
    if (!boxes.length || !vp) return;
    const minX = Math.min(...boxes.map((b) => b.x));
    const minY = Math.min(...boxes.map((b) => b.y));
    const maxX = Math.max(...boxes.map((b) => b.x + b.w));
    const maxY = Math.max(...boxes.map((b) => b.y + b.h));
    const pad = 48;
    const zoom = Math.min(
      1,
      Math.max(
        MIN_ZOOM,
        Math.min((vp.clientWidth - pad) / (maxX - minX), (vp.clientHeight - pad) / (maxY - minY)),
      ),
    );
    this.zoom = zoom;
    this.pan = {
      x: (vp.clientWidth - (maxX - minX) * zoom) / 2 - minX * zoom,
      y: (vp.clientHeight - (maxY - minY) * zoom) / 2 - minY * zoom,
    };
  }

  /**
   * The first view of a flow: all of it when that is readable, else the first step at a
   * readable size on the left (the rest is a pan or "Fit" away).
   */
  private firstView() {
    this.fit();
    if (this.zoom >= READABLE) return;
    const first = this.ctl.doc.first ?? this.ctl.doc.steps[0]?.key;
    const box = first ? this.boxes(this.positions()).get(first) : undefined;
    if (!box) return;
    this.zoom = 0.8;
    this.pan = {
      x: 24 - box.x * this.zoom,
      y: this.viewport.clientHeight / 2 - (box.y + box.h / 2) * this.zoom,
    };
  }

  private zoomTo(zoom: number, around?: Point) {
    const vp = this.viewport;
    const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
    const p = around ?? { x: vp.clientWidth / 2, y: vp.clientHeight / 2 };
    this.pan = {
      x: p.x - ((p.x - this.pan.x) * z) / this.zoom,
      y: p.y - ((p.y - this.pan.y) * z) / this.zoom,
    };
    this.zoom = z;
  }

  /** Brings a card into view (after it was added, or focused from outside the view). */
  reveal(key: string) {
    const box = this.boxes(this.positions()).get(key);
    const vp = this.viewport;
    if (!box || !vp) return;
    const left = box.x * this.zoom + this.pan.x;
    const top = box.y * this.zoom + this.pan.y;
    if (
      left < 0 ||
      top < 0 ||
      left + box.w * this.zoom > vp.clientWidth ||
      top + box.h * this.zoom > vp.clientHeight
    )
      this.pan = {
        x: vp.clientWidth / 2 - (box.x + box.w / 2) * this.zoom,
        y: vp.clientHeight / 2 - (box.y + box.h / 2) * this.zoom,
      };
  }

  /** Where a new step goes when it is not dropped somewhere: the middle of the view. */
  centre(): Point {
    const vp = this.viewport;
    const c = vp
      ? this.toWorld(
          vp.getBoundingClientRect().left + vp.clientWidth / 2,
          vp.getBoundingClientRect().top + vp.clientHeight / 2,
        )
      : { x: 0, y: 0 };
    return { x: c.x - CARD_W / 2, y: c.y - 60 };
  }

  override firstUpdated() {
    new ResizeObserver(() => {
      if (!this.fitted && this.viewport.clientWidth) {
        this.fitted = true;
        if (this.ctl.doc.steps.length) this.firstView();
      }
    }).observe(this.viewport);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.endPalette();
  }

  // Background: pan.
  private onDown = (e: PointerEvent) => {
    if (e.button !== 0 || (e.target as Element).closest('.card, .minimap')) return;
    this.armed = null;
    this.panning = { client: { x: e.clientX, y: e.clientY }, pan: this.pan };
    this.viewport.setPointerCapture(e.pointerId);
  };

  private onMove = (e: PointerEvent) => {
    if (this.panning) {
      this.pan = {
        x: this.panning.pan.x + e.clientX - this.panning.client.x,
        y: this.panning.pan.y + e.clientY - this.panning.client.y,
      };
    } else if (this.moving) {
      const p = this.toWorld(e.clientX, e.clientY);
      this.moving = {
        ...this.moving,
        at: {
          x: Math.round(p.x - this.moving.offset.x),
          y: Math.round(p.y - this.moving.offset.y),
        },
        moved: true,
      };
    } else if (this.wire) {
      this.wire = {
        ...this.wire,
        end: this.toWorld(e.clientX, e.clientY),
        over: this.cardAt(e.clientX, e.clientY),
      };
    }
  };

  private onUp = (e: PointerEvent) => {
    if (this.moving) {
      const { key, at, moved } = this.moving;
      this.moving = null;
      if (moved) {
        // Kept on an 8 px grid, so cards line up.
        const ui = { x: Math.round(at.x / 8) * 8, y: Math.round(at.y / 8) * 8 };
        this.ctl.update(key, t('scn.moveStep'), (s) => ({ ...s, ui }));
      } else this.ctl.select(key);
    } else if (this.wire) {
      const { from, via } = this.wire;
      const to = this.cardAt(e.clientX, e.clientY);
      this.wire = null;
      if (to) this.connect(from, via, to);
    }
    this.panning = null;
  };

  private cardAt(x: number, y: number): string | null {
    const el = (this.renderRoot as ShadowRoot).elementFromPoint(x, y);
    return (el?.closest('.card') as HTMLElement | null)?.dataset.key ?? null;
  }

  private connect(from: string, via: string, to: string) {
    this.ctl.update(from, t('scn.connect'), (s) => relink(s, via, to));
    this.ctl.select(from);
    const target = this.ctl.doc.steps.find((s) => s.key === to);
    if (target) this.announce(t('scn.connected', { to: stepLabel(target) }));
  }

  private onWheel = (e: WheelEvent) => {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) {
      const r = this.viewport.getBoundingClientRect();
      this.zoomTo(this.zoom * Math.exp(-e.deltaY / 300), {
        x: e.clientX - r.left,
        y: e.clientY - r.top,
      });
    } else this.pan = { x: this.pan.x - e.deltaX, y: this.pan.y - e.deltaY };
  };

  // Cards: drag to move (a press without moving selects).
  private onCardDown(e: PointerEvent, step: EditorStep, at: Point) {
    if (e.button !== 0) return;
    e.stopPropagation();
    const p = this.toWorld(e.clientX, e.clientY);
    this.moving = { key: step.key, at, offset: { x: p.x - at.x, y: p.y - at.y }, moved: false };
    this.viewport.setPointerCapture(e.pointerId);
  }

  private onCardClick(e: MouseEvent, step: EditorStep) {
    // Pointer presses are handled on pointerup; this is the keyboard's Enter or Space.
    if (e.detail !== 0) return;
    if (this.armed) {
      const { from, via } = this.armed;
      this.armed = null;
      this.connect(from, via, step.key);
    } else this.ctl.select(step.key, true);
  }

  private onCardKey(e: KeyboardEvent, step: EditorStep, at: Point) {
    const moves: Record<string, Point> = {
      ArrowLeft: { x: -16, y: 0 },
      ArrowRight: { x: 16, y: 0 },
      ArrowUp: { x: 0, y: -16 },
      ArrowDown: { x: 0, y: 16 },
    };
    const by = moves[e.key];
    if (by) {
      e.preventDefault();
      const ui = { x: at.x + by.x, y: at.y + by.y };
      this.ctl.update(step.key, t('scn.moveStep'), (s) => ({ ...s, ui }), `${step.key}:move`);
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      this.ctl.remove(step.key);
    } else if (e.key === 'Escape' && this.armed) {
      this.armed = null;
      this.announce(t('scn.connectCancelled'));
    }
  }

  // Outlets: drag to a card, or press and then press a card.
  private onOutletDown(e: PointerEvent, step: EditorStep, via: string, start: Point) {
    if (e.button !== 0) return;
    e.stopPropagation();
    this.wire = { from: step.key, via, start, end: start, over: null };
    this.viewport.setPointerCapture(e.pointerId);
  }

  private onOutletClick(e: MouseEvent, step: EditorStep, via: string, label: string) {
    if (e.detail !== 0) return;
    this.armed = { from: step.key, via };
    this.announce(t('scn.connectPick', { from: label }));
  }

  // The palette: click adds in the middle of the view, drag places where dropped.
  private onPaletteDown(e: PointerEvent, type: StepType) {
    if (e.button !== 0) return;
    this.ghost = { type, client: { x: e.clientX, y: e.clientY }, active: false };
    window.addEventListener('pointermove', this.onPaletteMove);
    window.addEventListener('pointerup', this.onPaletteUp);
  }

  private onPaletteMove = (e: PointerEvent) => {
    if (!this.ghost) return;
    const moved =
      this.ghost.active ||
      Math.hypot(e.clientX - this.ghost.client.x, e.clientY - this.ghost.client.y) > 6;
    this.ghost = { ...this.ghost, client: { x: e.clientX, y: e.clientY }, active: moved };
  };

  private onPaletteUp = (e: PointerEvent) => {
    const ghost = this.ghost;
    this.endPalette();
    if (!ghost?.active) return;
    this.dropped = true;
    const r = this.viewport.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom)
      return;
    const p = this.toWorld(e.clientX, e.clientY);
    this.ctl.add(ghost.type, {
      x: Math.round((p.x - 24) / 8) * 8,
      y: Math.round((p.y - 20) / 8) * 8,
    });
  };

  private endPalette() {
    this.ghost = null;
    window.removeEventListener('pointermove', this.onPaletteMove);
    window.removeEventListener('pointerup', this.onPaletteUp);
  }

  private onPaletteClick(type: StepType) {
    // A drag ends with a click on the button it started from: already placed.
    if (this.dropped) {
      this.dropped = false;
      return;
    }
    this.ctl.add(type, this.centre());
  }

  private onMinimap = (e: PointerEvent, bounds: Box, scale: number) => {
    if (e.type === 'pointerdown') (e.currentTarget as Element).setPointerCapture(e.pointerId);
    else if (!(e.buttons & 1)) return;
    const r = (e.currentTarget as Element).getBoundingClientRect();
    const x = bounds.x + (e.clientX - r.left) / scale;
    const y = bounds.y + (e.clientY - r.top) / scale;
    const vp = this.viewport;
    this.pan = { x: vp.clientWidth / 2 - x * this.zoom, y: vp.clientHeight / 2 - y * this.zoom };
  };

  private renderWires(boxes: Map<string, Box>) {
    const labels = rowLabels();
    const { visited } = this.ctl;
    const curve = (a: Point, b: Point) => {
      const dx = Math.max(48, Math.abs(b.x - a.x) / 2);
      return `M${a.x} ${a.y}C${a.x + dx} ${a.y} ${b.x - dx - 8} ${b.y} ${b.x - 8} ${b.y}`;
    };
    const head = (b: Point) => `M${b.x} ${b.y}l-10 -6v12z`;
    const wires = this.ctl.doc.steps.flatMap((s) => {
      const from = boxes.get(s.key)!;
      const rows = rowsOf(s, labels);
      return linksOf(s).flatMap((l) => {
        const to = boxes.get(l.to);
        const i = rows.findIndex((r) => r.via === l.via);
        if (!to || i < 0) return [];
        const a = { x: from.x + CARD_W, y: from.y + HEAD_H + i * ROW_H + ROW_H / 2 };
        const b = { x: to.x, y: to.y + INLET_Y };
        const lit = visited.has(s.key) && visited.has(l.to);
        return [
          svg`<g class=${lit ? 'visited' : ''}><path d=${curve(a, b)}></path><path class="head" d=${head(b)}></path></g>`,
        ];
      });
    });
    const w = this.wire;
    const pending = w
      ? svg`<g class="pending"><path d=${curve(w.start, w.end)}></path></g>`
      : nothing;
    return html`<svg class="wires" aria-hidden="true">${wires}${pending}</svg>`;
  }

  private renderCard(step: EditorStep, box: Box) {
    const { ctl } = this;
    const rows = rowsOf(step, rowLabels());
    const problem = ctl.problems.get(step.key);
    const firstLine = step.text.trim().split('\n')[0];
    const classes = [
      'card',
      ctl.selected === step.key ? 'selected' : '',
      ctl.visited.has(step.key) ? 'visited' : '',
      ctl.waiting === step.key ? 'waiting' : '',
      problem ? 'problem' : '',
      this.wire?.over === step.key || (this.armed && this.armed.from !== step.key) ? 'target' : '',
    ].filter(Boolean);
    const type = t(`stepType.${step.type}` as TextKey);
    const links = rows.filter((r) => r.to).length;
    const described = problem ? `issue-${step.key}` : undefined;
    return html`<div class=${classes.join(' ')} data-key=${step.key} ${place(box.x, box.y)}>
      ${ctl.doc.first === step.key ? html`<span class="badge ok start">${t('scn.startBadge')}</span>` : nothing}
      <button
        type="button"
        class="head"
        aria-pressed=${ctl.selected === step.key ? 'true' : 'false'}
        aria-describedby=${[`about-${step.key}`, described].filter(Boolean).join(' ')}
        @pointerdown=${(e: PointerEvent) => this.onCardDown(e, step, box)}
        @click=${(e: MouseEvent) => this.onCardClick(e, step)}
        @keydown=${(e: KeyboardEvent) => this.onCardKey(e, step, box)}
      >
        ${icon(step.type)}
        <span class="title"
          ><span class="visually-hidden">${type}: </span>${step.name.trim() || type}</span
        >
        <span class="line">${firstLine || subtitle(step)}</span>
      </button>
      <span class="visually-hidden" id=${`about-${step.key}`}
        >${tn('scn.linksCount', links)}${problem ? `. ${t('scn.hasProblem')}` : ''}</span
      >
      <ul class="rows">
        ${rows.map((r) => {
          const start = {
            x: box.x + CARD_W,
            y: box.y + HEAD_H + rows.indexOf(r) * ROW_H + ROW_H / 2,
          };
          const label = r.via.startsWith('b') ? r.label : `${stepLabel(step)} — ${r.label}`;
          return html`<li>
            <span class=${r.via.startsWith('b') ? '' : 'via'}
              >${r.url ? `${r.label} ↗` : r.label}</span
            >
            ${
              r.outlet
                ? html`<button
                    type="button"
                    class=${`outlet${r.to ? ' linked' : ''}${this.armed?.from === step.key && this.armed.via === r.via ? ' armed' : ''}`}
                    data-via=${r.via}
                    aria-label=${t('scn.connectFrom', { from: label })}
                    @pointerdown=${(e: PointerEvent) => this.onOutletDown(e, step, r.via, start)}
                    @click=${(e: MouseEvent) => this.onOutletClick(e, step, r.via, label)}
                  ></button>`
                : nothing
            }
          </li>`;
        })}
      </ul>
      ${problem ? html`<p class="issue" id=${described!}>${problemText(problem)}</p>` : nothing}
    </div>`;
  }

  private renderMinimap(boxes: Box[]) {
    if (boxes.length <= MINIMAP_FROM) return nothing;
    const vp = this.viewport;
    const minX = Math.min(...boxes.map((b) => b.x)) - 40;
    const minY = Math.min(...boxes.map((b) => b.y)) - 40;
    const w = Math.max(...boxes.map((b) => b.x + b.w)) + 40 - minX;
    const h = Math.max(...boxes.map((b) => b.y + b.h)) + 40 - minY;
    const scale = Math.min(168 / w, 112 / h);
    const bounds = { x: minX, y: minY, w, h };
    const view = vp
      ? {
          x: -this.pan.x / this.zoom,
          y: -this.pan.y / this.zoom,
          w: vp.clientWidth / this.zoom,
          h: vp.clientHeight / this.zoom,
        }
      : null;
    const handler = (e: PointerEvent) => this.onMinimap(e, bounds, scale);
    return html`<svg
      class="minimap"
      aria-hidden="true"
      viewBox=${`${minX} ${minY} ${168 / scale} ${112 / scale}`}
      @pointerdown=${handler}
      @pointermove=${handler}
    >
      ${boxes.map((b) => svg`<rect class="card-box" x=${b.x} y=${b.y} width=${b.w} height=${b.h} rx="8"></rect>`)}
      ${view ? svg`<rect class="view" x=${view.x} y=${view.y} width=${view.w} height=${view.h}></rect>` : nothing}
    </svg>`;
  }

  override render() {
    const boxes = this.boxes(this.positions());
    const g = this.ghost;
    return html`<div class="palette" role="toolbar" aria-label=${t('scn.palette')}>
        ${STEP_TYPES.map(
          (type) =>
            html`<button
              type="button"
              data-type=${type}
              @pointerdown=${(e: PointerEvent) => this.onPaletteDown(e, type)}
              @click=${() => this.onPaletteClick(type)}
            >
              ${icon(type)} ${t('scn.addType', { type: t(`stepType.${type}` as TextKey) })}
            </button>`,
        )}
        <span class="sep"></span>
        <button
          type="button"
          aria-label=${t('scn.zoomOut')}
          @click=${() => this.zoomTo(this.zoom / 1.25)}
        >
          −
        </button>
        <output aria-label=${t('scn.zoom')}>${Math.round(this.zoom * 100)}%</output>
        <button
          type="button"
          aria-label=${t('scn.zoomIn')}
          @click=${() => this.zoomTo(this.zoom * 1.25)}
        >
          +
        </button>
        <button type="button" @click=${() => this.fit()}>${t('scn.fit')}</button>
      </div>
      <div
        class=${`viewport${this.panning ? ' panning' : ''}`}
        role="region"
        aria-label=${t('scn.canvas')}
        aria-describedby="canvas-help"
        @pointerdown=${this.onDown}
        @pointermove=${this.onMove}
        @pointerup=${this.onUp}
        @pointercancel=${this.onUp}
        @wheel=${this.onWheel}
      >
        <p id="canvas-help" class="visually-hidden">${t('scn.canvasHelp')}</p>
        <div class="world" ${place(this.pan.x, this.pan.y, this.zoom)}>
          ${this.renderWires(boxes)}
          ${repeat(
            this.ctl.doc.steps,
            (s) => s.key,
            (s) => this.renderCard(s, boxes.get(s.key)!),
          )}
        </div>
        ${this.ctl.doc.steps.length ? nothing : html`<p class="empty">${t('scn.emptyCanvas')}</p>`}
        ${this.renderMinimap([...boxes.values()])}
      </div>
      ${
        g?.active
          ? html`<div
              class="ghost"
              aria-hidden="true"
              ${place(g.client.x - this.getBoundingClientRect().left + 8, g.client.y - this.getBoundingClientRect().top + 8)}
            >
              ${icon(g.type)} ${t(`stepType.${g.type}` as TextKey)}
            </div>`
          : nothing
      }`;
  }
}
define('tpc-flow-canvas', TpcFlowCanvas);

declare global {
  interface HTMLElementTagNameMap {
    'tpc-flow-canvas': TpcFlowCanvas;
  }
}
