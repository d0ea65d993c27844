import { codeColour, codeLabel } from '../findings/finding-codes';
import { swatch } from '../charts/findings-chart';
import { h } from '../dom/dom-builder';
import { formatCount } from './format';

/** A finding code with its colour, and optionally its count. */
export function codeChip(code: string, count?: number): HTMLElement {
  return h(
    'span',
    { class: 'chip', title: code, 'data-code': code },
    swatch(codeColour(code)),
    codeLabel(code),
    count === undefined ? null : h('span', { class: 'chip-count' }, formatCount(count)),
  );
}
