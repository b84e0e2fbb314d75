import { ApiError } from './errors.js';

/**
 * How deeply a request body's arrays and objects may nest. No document of the API nests
 * more than a few levels; thousands of levels would overflow the stack of every recursive
 * step after parsing (JSON.stringify for hashing and storing, zod), a 500 instead of a 400.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;

/**
 * True when JSON text nests deeper than `max`. A scan of the text, before it is parsed:
 * brackets inside strings do not count. Malformed text is left for JSON.parse to refuse.
 */
export function nestsTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (ch === OPEN_OBJECT || ch === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (ch === CLOSE_OBJECT || ch === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

export const tooDeep = () =>
  new ApiError(400, `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`);

/** A request body's JSON: 400 when it nests too deeply or does not parse. */
export function parseJsonBody(text: string): unknown {
  if (nestsTooDeep(text)) throw tooDeep();
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'Malformed JSON in request body.');
  }
}
