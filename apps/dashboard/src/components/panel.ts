import { h, type Child } from '../dom/dom-builder';

/** A titled card; `actions` sit at the right of the heading. */
export function panel(
  title: string,
  body: Child[],
  options: { id?: string; actions?: Child[]; wide?: boolean; level?: 'h2' | 'h3' } = {},
): HTMLElement {
  const headingId = `${options.id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-title`;
  return h(
    'section',
    {
      class: `panel${options.wide ? ' wide' : ''}`,
      id: options.id,
      'aria-labelledby': headingId,
    },
    h(
      'div',
      { class: 'panel-head' },
      h(options.level ?? 'h2', { id: headingId }, title),
      options.actions ? h('div', { class: 'panel-actions' }, ...options.actions) : null,
    ),
    ...body,
  );
}

/** A big number with a caption. */
export function stat(label: string, value: Child, note?: Child): HTMLElement {
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value' }, value),
    note ? h('div', { class: 'stat-note' }, note) : null,
  );
}
