import { noChange } from 'lit';
import { Directive, directive, PartType, type ElementPart, type PartInfo } from 'lit/directive.js';

/**
 * `<div ${place(x, y, scale)}>`: puts an element where it belongs through the CSSOM
 * (`element.style.transform`), never through a `style` attribute — the console's policy
 * (`style-src 'self'`) refuses attributes, and Lit's styleMap writes one on first render.
 * CSSOM changes are not inline styles: CSP allows them.
 */
class PlaceDirective extends Directive {
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT) throw new Error('place() goes on an element');
  }

  render(_x: number, _y: number, _scale?: number) {
    return noChange;
  }

  override update(part: ElementPart, [x, y, scale]: [number, number, number?]) {
    const el = part.element as HTMLElement | SVGElement;
    el.style.transform = `translate(${x}px, ${y}px)${scale === undefined ? '' : ` scale(${scale})`}`;
    return noChange;
  }
}

export const place = directive(PlaceDirective);

/** `<div ${size(w, h)}>`: an element's width and height, through the CSSOM as `place()`. */
class SizeDirective extends Directive {
  render(_w: number, _h: number) {
    return noChange;
  }

  override update(part: ElementPart, [w, h]: [number, number]) {
    const el = part.element as HTMLElement;
    el.style.width = `${w}px`;
    el.style.height = `${h}px`;
    return noChange;
  }
}

export const size = directive(SizeDirective);
