import { css } from 'lit';

export const formStyles = css`
  :host {
    position: relative;
  }
  form {
    display: grid;
    gap: var(--_gap);
  }
  .field {
    display: grid;
    gap: 4px;
  }
  label {
    font-weight: 600;
  }
  input:not([type='checkbox']),
  select,
  textarea {
    width: 100%;
    min-height: 44px;
    padding: 8px 12px;
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) - 2px);
    background: var(--_field);
  }
  textarea {
    min-height: 6em;
    resize: vertical;
  }
  [aria-invalid='true'] {
    border-color: var(--_error);
    box-shadow: 0 0 0 1px var(--_error);
  }
  /* A checkbox row: box first, then its label (which comes first in the DOM). */
  .check {
    grid-template-columns: auto 1fr;
    align-items: start;
    column-gap: 10px;
  }
  .check label {
    grid-area: 1 / 2;
    font-weight: 400;
  }
  .check input {
    grid-area: 1 / 1;
    width: 20px;
    height: 20px;
    margin-top: 2px;
    accent-color: var(--_accent);
  }
  .check .msg {
    grid-column: 1 / -1;
  }
  .msg {
    margin: 0;
    font-size: 0.875em;
  }
  .req {
    color: var(--_error);
  }
  .note {
    margin: 0;
    color: var(--_muted);
  }
  .btn {
    justify-self: start;
  }
  /* The honeypot: out of sight (clipped to nothing where it stands: no offset, so no scroll
     on right-to-left pages), out of the tab order and the accessibility tree (tabindex,
     aria-hidden), but still a field of the form for bots. */
  .hp {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
  }
`;
