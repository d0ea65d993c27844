import { ApiError, UnauthorizedError } from '../api/graphql-client';
import { h, type Child } from '../dom/dom-builder';

export type NoticeKind = 'info' | 'error' | 'forbidden' | 'success';

export function notice(kind: NoticeKind, ...children: Child[]): HTMLElement {
  return h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    ...children,
  );
}

export function loading(what: string): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}

/** What to show when a request failed; a refusal is explained, not shown as a crash. */
export function failureNotice(error: unknown, what: string): HTMLElement {
  if (error instanceof UnauthorizedError) {
    return notice('error', 'Your session has ended: sign in again.');
  }
  if (error instanceof ApiError && error.forbidden) {
    return notice(
      'forbidden',
      h('strong', {}, 'Not available with your access. '),
      `Your token does not allow ${what}. (${error.message})`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return notice('error', h('strong', {}, `Could not load ${what}. `), message);
}
