import { css } from 'lit';

/**
 * What every console view shares: text, controls, buttons, tables, cards, notices. Colours
 * are console.css's tokens, so light and dark need nothing here. Controls are at least 44 px
 * tall on touch screens (WCAG 2.5.8 asks 24; thumbs ask more).
 */
export const shared = css`
  :host {
    display: block;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  h1,
  h2,
  h3 {
    line-height: 1.25;
    margin: 0 0 0.75rem;
  }
  h1 {
    font-size: 1.6rem;
  }
  h2 {
    font-size: 1.2rem;
    margin-top: 1.5rem;
  }
  h3 {
    font-size: 1rem;
  }
  h1:focus {
    outline: none;
  }
  h1:focus-visible {
    outline: 2px solid var(--tpc-accent);
    outline-offset: 4px;
  }
  p {
    margin: 0 0 0.75rem;
  }
  a {
    color: var(--tpc-accent);
    text-underline-offset: 2px;
  }
  :focus-visible {
    outline: 2px solid var(--tpc-accent);
    outline-offset: 2px;
  }
  .muted {
    color: var(--tpc-muted);
  }
  .small {
    font-size: 0.875rem;
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  code,
  pre,
  .mono {
    font-family: var(--tpc-mono);
    font-size: 0.875rem;
  }
  pre {
    margin: 0;
    padding: 0.75rem;
    overflow-x: auto;
    white-space: pre-wrap;
    word-break: break-all;
    background: var(--tpc-surface-2);
    border-radius: var(--tpc-radius);
  }

  /* Layout helpers */
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .row.end {
    justify-content: flex-end;
  }
  .spread {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: center;
    justify-content: space-between;
  }
  .stack > * + * {
    margin-top: 1rem;
  }
  .card {
    background: var(--tpc-surface);
    border: 1px solid var(--tpc-line);
    border-radius: var(--tpc-radius);
    padding: 1rem;
  }
  .card + .card {
    margin-top: 1rem;
  }
  .card > :is(h2, h3):first-child {
    margin-top: 0;
  }
  .grid {
    display: grid;
    gap: 0.75rem 1rem;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 14rem), 1fr));
  }

  /* Form controls */
  label,
  .label {
    display: block;
    font-weight: 600;
    font-size: 0.9rem;
    margin-bottom: 0.25rem;
  }
  .field {
    margin-bottom: 1rem;
    min-width: 0;
  }
  .field.inline {
    display: flex;
    gap: 0.5rem;
    align-items: center;
  }
  .field.inline label {
    margin: 0;
    font-weight: 400;
  }
  input:not([type='checkbox']):not([type='radio']),
  select,
  textarea {
    display: block;
    width: 100%;
    min-height: 2.5rem;
    padding: 0.45rem 0.6rem;
    font: inherit;
    color: var(--tpc-fg);
    background: var(--tpc-surface);
    border: 1px solid var(--tpc-border);
    border-radius: 6px;
  }
  textarea {
    min-height: 5rem;
    resize: vertical;
  }
  input[type='checkbox'],
  input[type='radio'] {
    width: 1.15rem;
    height: 1.15rem;
    accent-color: var(--tpc-accent);
    margin: 0;
  }
  [aria-invalid='true'] {
    border-color: var(--tpc-danger) !important;
  }
  .hint {
    display: block;
    color: var(--tpc-muted);
    font-size: 0.85rem;
    margin-top: 0.25rem;
  }
  .error {
    display: block;
    color: var(--tpc-danger);
    font-size: 0.875rem;
    margin-top: 0.25rem;
  }
  fieldset {
    border: 1px solid var(--tpc-line);
    border-radius: var(--tpc-radius);
    margin: 0 0 1rem;
    padding: 0.75rem 1rem;
    min-width: 0;
  }
  legend {
    font-weight: 600;
    padding: 0 0.25rem;
  }
  /* A row of controls and their button, bottoms aligned (filters, a status change) */
  .inline-form {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 0.75rem;
    align-items: flex-end;
  }
  .inline-form .field {
    flex: 1 1 11rem;
    margin: 0;
  }
  .inline-form .field.inline {
    flex: 0 1 auto;
    min-height: 2.5rem;
  }
  .inline-form + *,
  .stack-gap {
    margin-top: 1rem;
  }
  .checks {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1.25rem;
  }
  .checks label {
    display: flex;
    gap: 0.4rem;
    align-items: center;
    font-weight: 400;
    margin: 0;
  }

  /* Buttons */
  button,
  .button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4rem;
    min-height: 2.5rem;
    padding: 0.4rem 0.9rem;
    font: inherit;
    font-weight: 600;
    line-height: 1.2;
    text-decoration: none;
    color: var(--tpc-fg);
    background: var(--tpc-surface);
    border: 1px solid var(--tpc-border);
    border-radius: 6px;
    cursor: pointer;
  }
  button:hover,
  .button:hover {
    background: var(--tpc-surface-2);
  }
  button.primary,
  .button.primary {
    color: var(--tpc-accent-fg);
    background: var(--tpc-accent);
    border-color: var(--tpc-accent);
  }
  button.primary:hover,
  .button.primary:hover {
    filter: brightness(1.08);
  }
  button.danger {
    color: var(--tpc-danger);
    border-color: var(--tpc-danger);
  }
  button.link {
    min-height: auto;
    padding: 0;
    border: 0;
    background: none;
    color: var(--tpc-accent);
    font-weight: 400;
    text-decoration: underline;
    text-underline-offset: 2px;
  }
  button[disabled],
  button[aria-disabled='true'] {
    opacity: 0.6;
    cursor: not-allowed;
  }
  @media (pointer: coarse) {
    button,
    .button,
    input:not([type='checkbox']):not([type='radio']),
    select {
      min-height: 2.75rem;
    }
  }

  /* Notices */
  .notice {
    padding: 0.75rem 1rem;
    border-radius: var(--tpc-radius);
    border: 1px solid transparent;
    margin: 0 0 1rem;
  }
  .notice.error {
    color: var(--tpc-fg);
    background: var(--tpc-danger-soft);
    border-color: var(--tpc-danger);
    font-size: 1rem;
  }
  .notice.ok {
    background: var(--tpc-success-soft);
    border-color: var(--tpc-success);
  }
  .notice.info {
    background: var(--tpc-accent-soft);
    border-color: var(--tpc-accent);
  }
  .notice.warn {
    background: var(--tpc-warning-soft);
    border-color: var(--tpc-warning);
  }
  .notice ul {
    margin: 0.25rem 0 0;
    padding-left: 1.25rem;
  }
  code.once {
    display: block;
    flex: 1 1 16rem;
    padding: 0.5rem 0.75rem;
    background: var(--tpc-surface-2);
    border-radius: 6px;
    overflow-wrap: anywhere;
  }
  .badge {
    display: inline-block;
    padding: 0.05rem 0.5rem;
    border-radius: 999px;
    font-size: 0.8rem;
    font-weight: 600;
    background: var(--tpc-surface-2);
    color: var(--tpc-fg);
    white-space: nowrap;
  }
  .badge.ok {
    background: var(--tpc-success-soft);
    color: var(--tpc-success);
  }
  .badge.bad {
    background: var(--tpc-danger-soft);
    color: var(--tpc-danger);
  }
  .badge.warn {
    background: var(--tpc-warning-soft);
    color: var(--tpc-warning);
  }

  /* Tables: in a focusable scroll region, so a keyboard can scroll them at 375 px */
  .table-wrap {
    overflow-x: auto;
    background: var(--tpc-surface);
    border: 1px solid var(--tpc-line);
    border-radius: var(--tpc-radius);
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 0.95rem;
  }
  th,
  td {
    text-align: left;
    padding: 0.55rem 0.75rem;
    border-bottom: 1px solid var(--tpc-line);
    vertical-align: top;
  }
  tr:last-child > * {
    border-bottom: 0;
  }
  th {
    font-size: 0.8rem;
    text-transform: uppercase;
    letter-spacing: 0.03em;
    color: var(--tpc-muted);
    white-space: nowrap;
  }
  dl.props {
    display: grid;
    grid-template-columns: minmax(7rem, max-content) 1fr;
    gap: 0.35rem 1rem;
    margin: 0;
  }
  dl.props dt {
    color: var(--tpc-muted);
  }
  dl.props dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .pager {
    display: flex;
    gap: 0.5rem;
    align-items: center;
    justify-content: space-between;
    margin-top: 0.75rem;
    flex-wrap: wrap;
  }
`;
