import { h, replaceChildren } from '../dom/dom-builder';
import type { ViewContext } from '../views/view-context';
import { failureNotice, loading } from './notice';

/**
 * Loads one part of a view into `into`: a loading line first, then the result, or a
 * readable failure (a FORBIDDEN part says so and the rest of the page still works).
 * Answers that arrive after the user left the view are dropped.
 */
export function fill<T>(
  ctx: ViewContext,
  into: HTMLElement,
  what: string,
  load: () => Promise<T>,
  show: (value: T) => (Node | null)[],
): Promise<void> {
  replaceChildren(into, loading(what));
  into.setAttribute('aria-busy', 'true');
  return load().then(
    (value) => {
      if (!ctx.current()) return;
      into.removeAttribute('aria-busy');
      replaceChildren(into, ...show(value));
    },
    (error: unknown) => {
      if (!ctx.current()) return;
      into.removeAttribute('aria-busy');
      replaceChildren(into, failureNotice(error, what));
    },
  );
}

/** A section that `fill` writes into. */
export const slot = (id?: string): HTMLDivElement => h('div', { class: 'slot', id });
