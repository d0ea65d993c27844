import { decodeLeafData, type LeafFields } from '@scantrail/ledger';

/**
 * The vendors a ledger entry names as a party (from its leaf data), so that a vendor
 * token reads only entries about itself: its registration and agreements, disclosures
 * to it, transfers from or to it, its models, deletions and breach reports. Study, consent and dataset
 * entries name no vendor. An agreement's termination names only the agreement: the
 * caller resolves its vendor (`agreementVendor`).
 */
export function vendorsNamedBy(
  leafData: string,
  agreementVendor: (agreementId: string) => string | undefined,
): string[] {
  const entry = fieldsOf(leafData);
  if (entry === undefined) return [];
  const { type, data } = entry;
  if (typeof data !== 'object' || data === null) return [];
  const d = data as Record<string, unknown>;
  const text = (value: unknown): string[] => (typeof value === 'string' ? [value] : []);
  switch (type) {
    case 'org.scantrail.vendor.registered':
    case 'org.scantrail.agreement.signed':
    case 'org.scantrail.model.trained':
    case 'org.scantrail.deletion.attested':
    case 'org.scantrail.breach.reported':
      return text(d.vendorId);
    case 'org.scantrail.disclosure.recorded':
      return text(d.recipientVendorId);
    case 'org.scantrail.transfer.onward':
      return [...text(d.fromVendorId), ...text(d.toVendorId)];
    case 'org.scantrail.agreement.terminated':
      return typeof d.agreementId === 'string' ? text(agreementVendor(d.agreementId)) : [];
    default:
      return [];
  }
}

/** The agreement id of a termination entry, if it is one (to look its vendor up first). */
export function terminatedAgreement(leafData: string): string | undefined {
  const entry = fieldsOf(leafData);
  if (entry?.type !== 'org.scantrail.agreement.terminated') return undefined;
  const agreementId = (entry.data as { agreementId?: unknown } | null)?.agreementId;
  return typeof agreementId === 'string' ? agreementId : undefined;
}

/** Leaf data that does not decode names nobody: a vendor token never reads it. */
function fieldsOf(leafData: string): LeafFields | undefined {
  try {
    return decodeLeafData(leafData);
  } catch {
    return undefined;
  }
}
