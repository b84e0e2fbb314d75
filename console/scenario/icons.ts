import { svg } from 'lit';
import type { StepType } from './doc.js';

/**
 * Each step type's icon: small strokes in the text's colour (emoji are not on every system,
 * and a font's glyph would not follow the theme).
 */
const PATHS: Record<StepType, string> = {
  message: 'M3 4h14v9H8l-4 3v-3H3z',
  question: 'M7 7a3 3 0 1 1 4 2.8c-.7.3-1 .8-1 1.5V12M10 15v.5',
  lead: 'M4 3h12v14H4zM7 7h6M7 10h6M7 13h4',
  delay: 'M10 3a7 7 0 1 0 0 14a7 7 0 1 0 0-14M10 6v4l3 2',
  condition: 'M10 3v5M10 8l-5 5v3M10 8l5 5v3',
  action: 'M11 2L4 11h5l-1 7l7-9h-5z',
};

export const icon = (type: StepType) =>
  svg`<svg class="icon" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false"><path d=${PATHS[type]} fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"></path></svg>`;
