// The sends the Orthanc bridge could not record, in words a privacy officer acts on: the
// images left the hospital and the ledger has no disclosure for them.
import { formatCount, formatTime } from '../components/format';
import { h } from '../dom/dom-builder';
import type { UnrecordedSendRow } from './bridge-queries';
import { destinationKindLabel } from './pacs-channel';

export interface UnrecordedExplained {
  why: string;
  todo: string;
}

const HOOK = 'tools/orthanc/README.md';

// Keyed by the bridge's reasons (apps/bridge UnrecordedSendReason; the API's field says each).
const EXPLAINED: Readonly<Record<string, UnrecordedExplained>> = {
  dicomweb_unnamed: {
    why: 'Orthanc’s DICOMweb plugin does not say where it sent the images or which ones, so no disclosure could be recorded.',
    todo: 'Ask who sent it where the images went and record the disclosure by hand. Send through an Orthanc peer or DICOM modality to have it recorded.',
  },
  completion_time: {
    why: 'Orthanc gave no usable time for when the send finished, and the ledger never records a guessed time.',
    todo: 'Look the job up in Orthanc (the bridge’s log names it beside this key) and record the disclosure by hand with the time it finished.',
  },
  no_study: {
    why: 'The images the send named were no longer in Orthanc when the bridge read it, so it cannot tell which studies left.',
    todo: `Record the disclosure by hand. Have the job journal hook installed in Orthanc (${HOOK}) so each send is read as it finishes.`,
  },
  unreadable: {
    why: 'The bridge could not read some of the images the send named; the studies it could read are recorded.',
    todo: 'Have the images checked in Orthanc, and record the studies that are missing by hand.',
  },
};

/** Why a send was not recorded and what to do, for a reason the bridge wrote. */
export function explainUnrecorded(reason: string): UnrecordedExplained {
  return (
    EXPLAINED[reason] ?? {
      why: `The bridge could not record it (${reason}).`,
      todo: 'Record the disclosure by hand.',
    }
  );
}

/** "DICOMweb send (STOW)", "Orthanc peer send", ... */
function sendLabel(send: UnrecordedSendRow): string {
  if (send.jobType === 'DicomWebStowClient') return 'DICOMweb send (STOW)';
  return `${destinationKindLabel(send.destinationKind)} send`;
}

function whatLeft(send: UnrecordedSendRow): string {
  if (send.instances === null || send.instances === undefined) return 'images: Orthanc did not say';
  return `${formatCount(send.instances)} image${send.instances === 1 ? '' : 's'}`;
}

export function unrecordedTable(sends: readonly UnrecordedSendRow[]): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'table', id: 'unrecorded-sends' },
      h('caption', { class: 'visually-hidden' }, 'Sends the Orthanc bridge could not record'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Sent'),
          h('th', { scope: 'col' }, 'What left'),
          h('th', { scope: 'col' }, 'Why it is not recorded'),
          h('th', { scope: 'col' }, 'What to do'),
        ),
      ),
      h(
        'tbody',
        {},
        ...sends.map((send) => {
          const { why, todo } = explainUnrecorded(send.reason);
          return h(
            'tr',
            { 'data-reason': send.reason, 'data-job-key': send.jobKey },
            h(
              'td',
              { class: 'nowrap' },
              h('span', { class: 'badge badge-bad' }, 'Not recorded'),
              h(
                'div',
                { class: 'small' },
                send.completedAt ? formatTime(send.completedAt) : 'time unknown',
              ),
              h('div', { class: 'muted small' }, `noticed ${formatTime(send.noticedAt)}`),
            ),
            h(
              'td',
              {},
              h('div', {}, sendLabel(send)),
              h('div', { class: 'small' }, whatLeft(send)),
              h(
                'div',
                { class: 'small' },
                send.destination
                  ? h(
                      'span',
                      {},
                      'to ',
                      h(
                        'strong',
                        { class: 'mono clip', title: send.destination },
                        send.destination,
                      ),
                    )
                  : h('span', { class: 'muted' }, 'destination: Orthanc did not say'),
              ),
              h('div', { class: 'muted small' }, `seen by bridge ${send.source}`),
              h(
                'div',
                {
                  // Whole, wrapped: the key is what to search the bridge's log for.
                  class: 'muted small mono wrap-anywhere',
                  title: `job key ${send.jobKey} (the bridge’s log names Orthanc’s job beside it)`,
                },
                `job key ${send.jobKey}`,
              ),
            ),
            h('td', {}, h('p', { class: 'why' }, why)),
            h('td', { class: 'todo' }, h('p', {}, todo)),
          );
        }),
      ),
    ),
  );
}
