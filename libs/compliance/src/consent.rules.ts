import type { ConsentFact, Purpose } from './facts';
import type { ResolvedStudy } from './study-lineage';

/** What a consent is asked to cover: one study going to one recipient for one purpose. */
export interface ConsentQuestion {
  study: ResolvedStudy;
  purpose: Purpose;
  recipientVendorId: string;
}

/**
 * The consent is the study's patient's, names the purpose, names the recipient (or any
 * recipient), and every scope criterion present matches. A study of unknown patient is
 * covered by no consent. The uid criterion matches the study's own uid or any uid up its
 * derivedFrom chain (the original and the intermediate derivatives).
 */
export function consentCovers(consent: ConsentFact, question: ConsentQuestion): boolean {
  const { study, purpose, recipientVendorId } = question;
  if (study.patient === undefined || consent.patient !== study.patient) return false;
  if (!consent.purposes.includes(purpose)) return false;
  if (consent.vendorIds !== undefined && !consent.vendorIds.includes(recipientVendorId)) {
    return false;
  }
  const uids = consent.scope?.studyInstanceUids;
  if (uids !== undefined && !study.lineage.some((uid) => uids.includes(uid))) return false;
  const modalities = consent.scope?.modalities;
  if (modalities !== undefined && !matchesCode(study.modality, modalities)) return false;
  return true;
}

/** validFrom <= t <= validUntil (open without one), and not revoked at or before t. */
export function consentInForce(consent: ConsentFact, t: number): boolean {
  return (
    consent.validFrom <= t &&
    (consent.validUntil === undefined || t <= consent.validUntil) &&
    !revokedBy(consent, t)
  );
}

/** Revoked at or before t. */
export function revokedBy(consent: ConsentFact, t: number): boolean {
  return consent.revokedAt !== undefined && consent.revokedAt <= t;
}

/** DICOM code strings are upper case by definition; tolerate a sender that is not. */
export function matchesCode(value: string | undefined, codes: readonly string[]): boolean {
  if (value === undefined) return false;
  const wanted = value.toUpperCase();
  return codes.some((code) => code.toUpperCase() === wanted);
}
