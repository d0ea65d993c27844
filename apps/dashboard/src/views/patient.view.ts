// #/patients: a patient's accounting of disclosures (45 CFR 164.528) for privacy officers
// and auditors, and the same report as a PDF. Every lookup is written to the access log.
import { accounting, type Accounting } from '../api/dashboard-queries';
import { ApiError } from '../api/graphql-client';
import { legalBasisWords, purposeWords, termInWords } from '../components/disclosure-terms';
import { formatDay, formatTime } from '../components/format';
import { failureNotice, loading, notice } from '../components/notice';
import { panel } from '../components/panel';
import { h, replaceChildren } from '../dom/dom-builder';
import type { ViewContext } from './view-context';
import { saveBlob } from '../components/file-download';

const DEFAULT_SYSTEM = 'urn:oid:2.16.840.1.113883.3.7';

interface LookupInput {
  patient: { system: string; value: string };
  /** YYYY-MM-DD from the date fields, or '' for the API's default period (six years). */
  fromDay: string;
  toDay: string;
}

/** The period's bounds as GraphQL DateTimes: whole days, in UTC. */
const startOf = (day: string): string | null => (day ? `${day}T00:00:00.000Z` : null);
const endOf = (day: string): string | null => (day ? `${day}T23:59:59.999Z` : null);

function accountingTable(result: Accounting): HTMLElement {
  if (result.entries.length === 0) {
    return notice('info', 'No disclosures of this patient in the period.');
  }
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: 'accounting-table' },
      h('caption', { class: 'visually-hidden' }, 'Accounting of disclosures'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Date'),
          h('th', { scope: 'col' }, 'Recipient'),
          h('th', { scope: 'col' }, 'What was disclosed'),
          h('th', { scope: 'col' }, 'Purpose'),
          h('th', { scope: 'col' }, 'Legal basis'),
          h('th', { scope: 'col' }, 'Accounting'),
          h('th', { scope: 'col', class: 'num' }, 'Ledger #'),
        ),
      ),
      h(
        'tbody',
        {},
        ...result.entries.map((e) =>
          h(
            'tr',
            {},
            h('td', { class: 'nowrap' }, formatTime(e.date)),
            h(
              'td',
              {},
              h('div', { class: 'clip line', title: e.recipientName }, e.recipientName),
              e.recipientAddress
                ? h(
                    'div',
                    { class: 'muted small clip', title: e.recipientAddress },
                    e.recipientAddress,
                  )
                : null,
            ),
            h(
              'td',
              {},
              h('div', { class: 'clamp', title: e.description }, e.description),
              h(
                'div',
                { class: 'muted mono small wrap-anywhere' },
                `${e.disclosureId} · study ${e.studyInstanceUid}`,
              ),
            ),
            h('td', {}, termInWords(e.purpose, purposeWords)),
            h('td', {}, termInWords(e.legalBasis, legalBasisWords)),
            h(
              'td',
              {},
              e.exempt
                ? h('span', { class: 'badge badge-muted' }, 'Exempt')
                : h('span', { class: 'badge badge-warn' }, 'Required'),
            ),
            h('td', { class: 'num mono' }, String(e.ledgerSequence)),
          ),
        ),
      ),
    ),
  );
}

function field(id: string, label: string, input: HTMLInputElement, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('div', { class: 'hint', id: `${id}-hint` }, hint) : null,
  );
}

export function renderPatients(main: HTMLElement, ctx: ViewContext): void {
  const title = h('h1', { tabindex: '-1' }, 'Patient lookup');
  if (!ctx.abilities.patientLookup) {
    replaceChildren(
      main,
      title,
      notice(
        'forbidden',
        h('strong', {}, 'Not available with your access. '),
        'Patient lookups are for privacy officers and auditors. A vendor token never sees patient identifiers.',
      ),
    );
    return;
  }
  const system = h('input', {
    id: 'patient-system',
    name: 'system',
    required: true,
    value: DEFAULT_SYSTEM,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'patient-system-hint',
  });
  const value = h('input', {
    id: 'patient-value',
    name: 'value',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'e.g. MRN-004211',
  });
  const from = h('input', { id: 'patient-from', name: 'from', type: 'date' });
  const to = h('input', { id: 'patient-to', name: 'to', type: 'date' });
  const result = h('div', { id: 'accounting-result', 'aria-live': 'polite' });
  const status = h('div', { id: 'download-status' });

  const read = (): LookupInput | undefined => {
    if (!form.reportValidity()) return undefined;
    return {
      patient: { system: system.value.trim(), value: value.value.trim() },
      fromDay: from.value,
      toDay: to.value,
    };
  };

  const lookUp = async (input: LookupInput): Promise<void> => {
    replaceChildren(result, loading('the accounting'));
    try {
      const answer = await accounting(
        ctx.api,
        input.patient,
        startOf(input.fromDay),
        endOf(input.toDay),
      );
      if (!ctx.current()) return;
      const required = answer.entries.filter((e) => !e.exempt).length;
      replaceChildren(
        result,
        panel(
          `Accounting of disclosures, ${formatDay(answer.from)} to ${formatDay(answer.to)}`,
          [
            h(
              'p',
              { class: 'muted' },
              `${answer.entries.length} disclosure${answer.entries.length === 1 ? '' : 's'}, ` +
                `${required} of them subject to the required accounting (45 CFR 164.528).`,
            ),
            accountingTable(answer),
          ],
          { id: 'accounting', wide: true },
        ),
      );
      ctx.announce(`${answer.entries.length} disclosures found`);
    } catch (error) {
      if (ctx.current()) replaceChildren(result, failureNotice(error, 'this accounting'));
    }
  };

  const download = async (input: LookupInput): Promise<void> => {
    replaceChildren(status, loading('the PDF'));
    // The report endpoint takes whole days as they are (YYYY-MM-DD); the identifier goes
    // in the body, never in a URL.
    const request = {
      patient: { system: input.patient.system, value: input.patient.value },
      format: 'pdf',
      from: input.fromDay || undefined,
      to: input.toDay || undefined,
    };
    try {
      const blob = await ctx.api.download('reports/accounting', request);
      saveBlob(blob, `accounting-of-disclosures-${new Date().toISOString().slice(0, 10)}.pdf`);
      if (ctx.current()) replaceChildren(status, notice('success', 'PDF downloaded.'));
    } catch (error) {
      if (!ctx.current()) return;
      replaceChildren(
        status,
        error instanceof ApiError && error.status === 404
          ? notice('error', 'The PDF report is not available on this server.')
          : failureNotice(error, 'the PDF report'),
      );
    }
  };

  const form = h(
    'form',
    {
      class: 'lookup-form',
      id: 'patient-form',
      'aria-label': 'Patient lookup',
      on: {
        submit: (event) => {
          event.preventDefault();
          const input = read();
          if (input) void lookUp(input);
        },
      },
    },
    h(
      'div',
      { class: 'fields' },
      field(
        'patient-system',
        'Identifier system',
        system,
        'The assigning authority (an OID or URI).',
      ),
      field('patient-value', 'Identifier', value),
      field('patient-from', 'From (optional)', from),
      field('patient-to', 'To (optional)', to),
    ),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button', id: 'lookup-button' }, 'Look up'),
      ctx.abilities.patientReport
        ? h(
            'button',
            {
              type: 'button',
              class: 'button secondary',
              id: 'download-pdf',
              on: {
                click: () => {
                  const input = read();
                  if (input) void download(input);
                },
              },
            },
            'Download PDF',
          )
        : h(
            'span',
            { class: 'muted small', id: 'pdf-unavailable' },
            'PDF reports show the identifier in clear: privacy officers only.',
          ),
      h(
        'span',
        { class: 'muted small' },
        'Without dates: the last six years. Each lookup is recorded in the access log.',
      ),
    ),
    status,
  );
  replaceChildren(
    main,
    title,
    h(
      'p',
      { class: 'lead' },
      'Where a patient’s images went: every disclosure and onward transfer of their studies, with the recipient, purpose and legal basis.',
    ),
    panel('Patient', [form], { id: 'patient-lookup', wide: true }),
    result,
  );
}
