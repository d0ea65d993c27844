// The sign-in box: the user pastes the bearer token they were given.
import { h, replaceChildren } from '../dom/dom-builder';
import { notice } from '../components/notice';
import { tokenProblem } from '../session/session-token';

export function renderLogin(
  main: HTMLElement,
  onToken: (token: string) => Promise<string | undefined>,
  message?: string,
): void {
  const input = h('textarea', {
    id: 'token-input',
    name: 'token',
    rows: 4,
    required: true,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'token-hint',
  });
  const status = h('div', { id: 'login-status' }, message ? notice('error', message) : null);
  const button = h('button', { type: 'submit', class: 'button', id: 'login-button' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'login',
      on: {
        submit: (event) => {
          event.preventDefault();
          const token = input.value.trim();
          const problem = tokenProblem(token, Date.now());
          if (problem) {
            replaceChildren(status, notice('error', problem));
            return;
          }
          button.disabled = true;
          replaceChildren(
            status,
            h('p', { class: 'loading', role: 'status' }, 'Checking the token…'),
          );
          void onToken(token).then((failure) => {
            button.disabled = false;
            if (failure) replaceChildren(status, notice('error', failure));
          });
        },
      },
    },
    h('label', { for: 'token-input' }, 'Access token'),
    input,
    h(
      'p',
      { class: 'hint', id: 'token-hint' },
      'Paste the bearer token (JWT) you were given. It is kept in this browser tab only and is forgotten when the tab closes.',
    ),
    button,
    status,
  );
  replaceChildren(
    main,
    h(
      'div',
      { class: 'login-wrap' },
      h(
        'section',
        { class: 'panel login-panel', 'aria-labelledby': 'login-title' },
        h('h1', { id: 'login-title', tabindex: '-1' }, 'Sign in'),
        h(
          'p',
          { class: 'lead' },
          'scantrail records where medical images go. Sign in to see vendors, findings, lineage and the ledger.',
        ),
        form,
      ),
    ),
  );
  input.focus();
}
