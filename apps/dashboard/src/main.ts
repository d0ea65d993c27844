// The dashboard shell: session, header, hash routing. Views render into <main>.
import { ledgerState } from './api/dashboard-queries';
import { ApiClient, UnauthorizedError } from './api/graphql-client';
import { h, replaceChildren } from './dom/dom-builder';
import {
  abilitiesOf,
  clearSession,
  loadSession,
  saveSession,
  tokenFromFragment,
  type Session,
} from './session/session-token';
import { renderHeldItems } from './bridge/held-items.view';
import { renderLedger } from './views/ledger.view';
import { renderLineage, type LineageParams } from './views/lineage.view';
import { renderLogin } from './views/login.view';
import { renderOverview } from './views/overview.view';
import { renderPatients } from './views/patient.view';
import { renderQuarantine } from './quarantine/quarantine.view';
import { renderVendor } from './views/vendor.view';
import { renderBreach, renderBreaches } from './patient-rights/breach.view';
import { renderDeletionRequests } from './patient-rights/deletion-requests.view';
import type { ViewContext } from './views/view-context';

type Route =
  | { view: 'overview' }
  | { view: 'vendor'; vendorId: string }
  | { view: 'lineage'; studyUid: string; params: LineageParams }
  | { view: 'patients' }
  | { view: 'pacs' }
  | { view: 'deletion-requests' }
  | { view: 'breaches' }
  | { view: 'breach'; breachId: string }
  | { view: 'quarantine' }
  | { view: 'ledger' };

function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === 'vendors' && parts[1]) return { view: 'vendor', vendorId: parts[1] };
  if (parts[0] === 'lineage' && parts[1]) {
    const q = new URLSearchParams(query);
    const seq = Number(q.get('seq'));
    return {
      view: 'lineage',
      studyUid: parts[1],
      params: {
        sequence: q.has('seq') && Number.isSafeInteger(seq) ? seq : undefined,
        vendorId: q.get('vendor') ?? undefined,
        code: q.get('code') ?? undefined,
      },
    };
  }
  if (parts[0] === 'patients') return { view: 'patients' };
  if (parts[0] === 'deletion-requests') return { view: 'deletion-requests' };
  if (parts[0] === 'breaches' && parts[1]) return { view: 'breach', breachId: parts[1] };
  if (parts[0] === 'breaches') return { view: 'breaches' };
  if (parts[0] === 'ledger') return { view: 'ledger' };
  if (parts[0] === 'pacs') return { view: 'pacs' };
  if (parts[0] === 'quarantine') return { view: 'quarantine' };
  return { view: 'overview' };
}

/** `notForVendors`: pages a vendor's token cannot read (they span every vendor's patients). */
const NAV: { view: Route['view']; href: string; label: string; notForVendors?: boolean }[] = [
  { view: 'overview', href: '#/', label: 'Overview' },
  { view: 'patients', href: '#/patients', label: 'Patients', notForVendors: true },
  { view: 'deletion-requests', href: '#/deletion-requests', label: 'Deletion requests' },
  { view: 'breaches', href: '#/breaches', label: 'Breaches' },
  { view: 'ledger', href: '#/ledger', label: 'Ledger' },
  { view: 'pacs', href: '#/pacs', label: 'PACS', notForVendors: true },
  { view: 'quarantine', href: '#/quarantine', label: 'Quarantine', notForVendors: true },
];

class Dashboard {
  private session: Session | undefined;
  private generation = 0;
  private readonly main = document.getElementById('main') as HTMLElement;
  private readonly nav = document.getElementById('nav') as HTMLElement;
  private readonly who = document.getElementById('who') as HTMLElement;
  private readonly live = document.getElementById('live') as HTMLElement;

  start(): void {
    this.session = this.sessionFromLink() ?? loadSession(sessionStorage);
    window.addEventListener('hashchange', () => {
      // A #token= link opened in a tab that already shows the dashboard.
      const fromLink = this.sessionFromLink();
      if (fromLink !== undefined) this.session = fromLink;
      this.render();
    });
    document.getElementById('skip-link')?.addEventListener('click', (event) => {
      event.preventDefault();
      this.main.focus();
    });
    this.render();
  }

  /** Signs in with the token of a `#token=` link, and takes it out of the address bar. */
  private sessionFromLink(): Session | undefined {
    const token = tokenFromFragment(location.hash);
    if (token === undefined) return undefined;
    // replaceState: the token stays out of the history and fires no hashchange.
    history.replaceState(null, '', `${location.pathname}${location.search}#/`);
    return saveSession(sessionStorage, token);
  }

  private signOut(message?: string): void {
    clearSession(sessionStorage);
    this.session = undefined;
    this.render(message);
  }

  private async signIn(token: string): Promise<string | undefined> {
    const candidate = new ApiClient(location.href, token, () => undefined);
    try {
      await ledgerState(candidate);
    } catch (error) {
      return error instanceof UnauthorizedError
        ? 'The API did not accept this token (wrong key, expired, or no known role).'
        : `Could not reach the API: ${(error as Error).message}`;
    }
    this.session = saveSession(sessionStorage, token);
    if (location.hash === '' || location.hash === '#/') this.render();
    else location.hash = '#/';
    return undefined;
  }

  private renderHeader(route: Route | undefined): void {
    const session = this.session;
    if (session === undefined) {
      replaceChildren(this.nav);
      replaceChildren(this.who);
      return;
    }
    const abilities = abilitiesOf(session.claims);
    replaceChildren(
      this.nav,
      ...NAV.filter((item) => !item.notForVendors || abilities.patientLookup).map((item) =>
        h(
          'a',
          {
            href: item.href,
            class: 'nav-link',
            'aria-current': route?.view === item.view ? 'page' : undefined,
          },
          item.label,
        ),
      ),
    );
    replaceChildren(
      this.who,
      h(
        'span',
        { class: 'who-text' },
        h('span', { class: 'who-sub' }, session.claims.sub || 'unknown user'),
        h('span', { class: 'who-role', id: 'who-role' }, abilities.roleLabel),
      ),
      h(
        'button',
        { type: 'button', class: 'button secondary small', on: { click: () => this.signOut() } },
        'Sign out',
      ),
    );
  }

  private render(message?: string): void {
    const generation = ++this.generation;
    const session = this.session;
    if (session === undefined) {
      this.renderHeader(undefined);
      document.title = 'Sign in · scantrail';
      renderLogin(this.main, (token) => this.signIn(token), message);
      return;
    }
    const route = parseRoute(location.hash);
    this.renderHeader(route);
    const ctx: ViewContext = {
      api: new ApiClient(location.href, session.token, () =>
        this.signOut('Your session has ended (the token expired or was refused): sign in again.'),
      ),
      session,
      abilities: abilitiesOf(session.claims),
      current: () => generation === this.generation,
      announce: (text) => {
        this.live.textContent = text;
      },
    };
    const done = (): void => {
      if (!ctx.current()) return;
      const heading = this.main.querySelector<HTMLElement>('h1');
      document.title = `${heading?.textContent ?? 'Dashboard'} · scantrail`;
      // Move focus to the new view's heading, as a page load would.
      heading?.focus({ preventScroll: true });
    };
    switch (route.view) {
      case 'vendor':
        void renderVendor(this.main, ctx, route.vendorId).then(done);
        break;
      case 'lineage':
        void renderLineage(this.main, ctx, route.studyUid, route.params).then(done);
        break;
      case 'patients':
        renderPatients(this.main, ctx);
        done();
        break;
      case 'deletion-requests':
        renderDeletionRequests(this.main, ctx);
        done();
        break;
      case 'breaches':
        renderBreaches(this.main, ctx);
        done();
        break;
      case 'breach':
        void renderBreach(this.main, ctx, route.breachId).then(done);
        break;
      case 'ledger':
        void renderLedger(this.main, ctx).then(done);
        break;
      case 'pacs':
        renderHeldItems(this.main, ctx);
        done();
        break;
      case 'quarantine':
        renderQuarantine(this.main, ctx);
        done();
        break;
      default:
        renderOverview(this.main, ctx);
        done();
    }
    window.scrollTo(0, 0);
  }
}

new Dashboard().start();
