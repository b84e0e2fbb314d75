import { css } from 'lit';
import { CARD_W, HEAD_H, ROW_H } from './doc.js';

/** The canvas's look: cards sized by the geometry the arrows are drawn with (doc.ts). */
export const canvasStyles = css`
  :host {
    position: relative;
  }
  .palette {
    display: flex;
    flex-wrap: wrap;
    gap: 0.35rem;
    align-items: center;
    margin-bottom: 0.5rem;
  }
  .palette button {
    touch-action: none;
    min-height: 2.25rem;
    padding: 0.25rem 0.6rem;
    font-weight: 500;
  }
  .palette .sep {
    flex: 1;
  }
  .palette output {
    min-width: 3.5rem;
    text-align: center;
    font-variant-numeric: tabular-nums;
  }
  .viewport {
    position: relative;
    overflow: hidden;
    height: min(72vh, 720px);
    min-height: 420px;
    background-color: var(--tpc-surface-2);
    background-image: radial-gradient(var(--tpc-line) 1px, transparent 1px);
    background-size: 24px 24px;
    border: 1px solid var(--tpc-line);
    border-radius: var(--tpc-radius);
    touch-action: none;
    cursor: grab;
    user-select: none;
  }
  .viewport.panning {
    cursor: grabbing;
  }
  .world {
    position: absolute;
    left: 0;
    top: 0;
    transform-origin: 0 0;
  }
  svg.wires {
    position: absolute;
    left: 0;
    top: 0;
    width: 1px;
    height: 1px;
    overflow: visible;
    pointer-events: none;
  }
  .wires path {
    fill: none;
    stroke: var(--tpc-muted);
    stroke-width: 2;
  }
  .wires path.head {
    fill: var(--tpc-muted);
    stroke: none;
  }
  .wires .visited path {
    stroke: var(--tpc-success);
    stroke-width: 3;
  }
  .wires .visited path.head {
    fill: var(--tpc-success);
  }
  .wires .pending path {
    stroke: var(--tpc-accent);
    stroke-dasharray: 6 4;
  }
  .card {
    position: absolute;
    left: 0;
    top: 0;
    width: ${CARD_W}px;
    background: var(--tpc-surface);
    color: var(--tpc-fg);
    border: 1px solid var(--tpc-border);
    border-radius: 10px;
    box-shadow: 0 1px 3px rgb(0 0 0 / 0.12);
    cursor: default;
  }
  .card.selected {
    outline: 3px solid var(--tpc-accent);
    outline-offset: 1px;
  }
  .card.target {
    outline: 3px dashed var(--tpc-accent);
  }
  .card.visited {
    border-color: var(--tpc-success);
    box-shadow: 0 0 0 2px var(--tpc-success);
  }
  .card.waiting {
    box-shadow: 0 0 0 4px var(--tpc-success);
  }
  .card.problem {
    border-color: var(--tpc-danger);
    box-shadow: 0 0 0 2px var(--tpc-danger);
  }
  .head {
    display: grid;
    grid-template-columns: auto minmax(0, 1fr);
    grid-template-rows: auto auto;
    gap: 0 0.4rem;
    align-content: start;
    width: 100%;
    height: ${HEAD_H}px;
    padding: 0.45rem 0.6rem;
    text-align: left;
    font-weight: 400;
    background: none;
    border: 0;
    border-bottom: 1px solid var(--tpc-line);
    border-radius: 10px 10px 0 0;
    cursor: move;
    min-height: 0;
  }
  .head .icon {
    grid-row: span 2;
    margin-top: 0.15rem;
  }
  .palette .icon,
  .ghost .icon {
    vertical-align: -0.3em;
  }
  .title,
  .line {
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .title {
    font-weight: 600;
  }
  .line {
    color: var(--tpc-muted);
    font-size: 0.85rem;
  }
  .start {
    position: absolute;
    top: -0.8rem;
    left: 0.6rem;
    font-size: 0.75rem;
  }
  .rows {
    list-style: none;
    margin: 0;
    padding: 0 0 8px;
  }
  .rows li {
    position: relative;
    display: flex;
    align-items: center;
    height: ${ROW_H}px;
    padding: 0 1.6rem 0 0.6rem;
    font-size: 0.875rem;
  }
  .rows li span {
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .rows .via {
    color: var(--tpc-muted);
  }
  .outlet {
    position: absolute;
    right: -11px;
    top: 50%;
    width: 22px;
    height: 22px;
    min-height: 0;
    margin-top: -11px;
    padding: 0;
    border-radius: 50%;
    border: 2px solid var(--tpc-accent);
    background: var(--tpc-surface);
    cursor: crosshair;
    touch-action: none;
  }
  .outlet.linked {
    background: var(--tpc-accent);
  }
  .outlet.armed {
    outline: 3px solid var(--tpc-warning);
  }
  .issue {
    position: absolute;
    left: 0;
    right: 0;
    top: 100%;
    margin: 0.35rem 0 0;
    padding: 0.35rem 0.5rem;
    font-size: 0.8rem;
    line-height: 1.35;
    color: var(--tpc-fg);
    background: var(--tpc-danger-soft);
    border: 1px solid var(--tpc-danger);
    border-radius: 6px;
    z-index: 2;
  }
  .ghost {
    position: absolute;
    left: 0;
    top: 0;
    z-index: 10;
    pointer-events: none;
    padding: 0.4rem 0.7rem;
    background: var(--tpc-accent-soft);
    border: 2px dashed var(--tpc-accent);
    border-radius: 8px;
  }
  .empty {
    position: absolute;
    inset: 40% 1rem auto;
    text-align: center;
    color: var(--tpc-muted);
    pointer-events: none;
  }
  .minimap {
    position: absolute;
    right: 0.5rem;
    bottom: 0.5rem;
    width: 168px;
    height: 112px;
    background: var(--tpc-surface);
    border: 1px solid var(--tpc-border);
    border-radius: 6px;
    cursor: pointer;
  }
  .minimap rect.card-box {
    fill: var(--tpc-muted);
  }
  .minimap rect.view {
    fill: none;
    stroke: var(--tpc-accent);
    stroke-width: 2;
    vector-effect: non-scaling-stroke;
  }
`;
