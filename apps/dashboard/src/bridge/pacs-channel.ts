// How a lineage edge shows that it came from the PACS: the Orthanc bridge writes the
// disclosure's channel as `orthanc-<peer|modality|dicomweb>:<destination name>`.
import { h } from '../dom/dom-builder';

const ORTHANC_CHANNEL = /^orthanc-(peer|modality|dicomweb):(.+)$/;

const KIND_LABEL: Readonly<Record<string, string>> = {
  peer: 'Orthanc peer',
  modality: 'DICOM modality',
  dicomweb: 'DICOMweb server',
};

/** "Orthanc peer", "DICOM modality", "DICOMweb server" for the bridge's destination kinds. */
export function destinationKindLabel(kind: string): string {
  return KIND_LABEL[kind] ?? kind;
}

/** The destination kind and name of a channel the Orthanc bridge wrote, else undefined. */
export function pacsChannel(
  channel: string | null | undefined,
): { kind: string; destination: string } | undefined {
  const match = ORTHANC_CHANNEL.exec(channel ?? '');
  if (!match) return undefined;
  return { kind: destinationKindLabel(match[1]), destination: match[2] };
}

/** A table cell's content: a PACS badge with the destination, the channel as is, or a dash. */
export function channelCell(channel: string | null | undefined): HTMLElement {
  const pacs = pacsChannel(channel);
  if (pacs) {
    return h(
      'span',
      { class: 'pacs-channel', title: channel ?? '' },
      h('span', { class: 'badge badge-pacs' }, 'PACS'),
      h(
        'div',
        { class: 'small' },
        `${pacs.kind} `,
        h('span', { class: 'mono clip', title: pacs.destination }, pacs.destination),
      ),
    );
  }
  return channel
    ? h('span', { class: 'mono clip', title: channel }, channel)
    : h('span', { class: 'muted' }, '—');
}
