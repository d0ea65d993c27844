import { explainAgreementGap, hasAgreementFor, permitsPurpose } from './agreement.rules';
import type { ComplianceIndex } from './compliance.index';
import { consentInForce, matchesCode, revokedBy } from './consent.rules';
import type { PermitLapses } from './consents-by-time';
import type { ConsentFact, DisclosureFact, Finding, InspectionFact, LegalBasis } from './facts';
import { identifiesPatient, type PatientKey } from './patient-rights/proper-deidentification';
import { formatInstant, formatList, plural, type FindingIssue } from './finding-detail';
import { compareStrings } from './finding-order';
import { retentionOfReliedOn } from './retention.findings';
import type { ResolvedStudy } from './study-lineage';

/** DICOM CID 7050: Basic Application Confidentiality Profile. */
export const BASIC_PROFILE_CODE = '113100';
/** DICOM CID 7050: Clean Recognizable Visual Features Option (face removal). */
export const CLEAN_VISUAL_FEATURES_CODE = '113102';

/** Bases under which no agreement is needed and an objection does not stop the disclosure. */
const TREATMENT_OR_LAW: ReadonlySet<LegalBasis> = new Set(['TREATMENT', 'REQUIRED_BY_LAW']);
const FACE_MODALITIES = ['CT', 'MR'];
const FACE_BODY_PARTS = ['HEAD', 'BRAIN'];

/** Every finding on one disclosure, one set per study it carried at its time. */
export function findingsForDisclosure(
  disclosure: DisclosureFact,
  index: ComplianceIndex,
): Finding[] {
  const uids = index.studiesCarried(disclosure.target, disclosure.at);
  if (uids.length === 0) return [];
  // The agreement question does not depend on the study: ask it once.
  const agreementIssue = agreementFinding(disclosure, index);
  const findings: Finding[] = [];
  for (const uid of uids) {
    const issues = agreementIssue ? [agreementIssue] : [];
    issues.push(...studyFindings(disclosure, index.study(uid), index));
    for (const issue of issues) findings.push(findingOn(disclosure, uid, issue));
  }
  return findings;
}

/** The finding `issue` on one study the disclosure carried. */
export function findingOn(
  disclosure: DisclosureFact,
  studyInstanceUid: string,
  { code, detail }: FindingIssue,
): Finding {
  return {
    code,
    studyInstanceUid,
    vendorId: disclosure.recipientVendorId,
    eventId: disclosure.eventId,
    ledgerSequence: disclosure.ledgerSequence,
    occurredAt: disclosure.at,
    detail,
  };
}

/** NO_AGREEMENT: a basis that needs one, and no agreement of the recipient in force permitting the purpose. */
export function agreementFinding(
  disclosure: DisclosureFact,
  index: ComplianceIndex,
): FindingIssue | undefined {
  if (TREATMENT_OR_LAW.has(disclosure.legalBasis)) return undefined;
  const agreements = index.agreementsOf(disclosure.recipientVendorId);
  const need = permitsPurpose(disclosure.purpose);
  if (hasAgreementFor(agreements, disclosure.at, need)) return undefined;
  return {
    code: 'NO_AGREEMENT',
    detail:
      `Recipient ${disclosure.recipientVendorId} had no agreement in force on ` +
      `${formatInstant(disclosure.at)} ${need.description} ` +
      `(${explainAgreementGap(agreements, disclosure.at, need)}).`,
  };
}

/** The findings that depend on the study: consent, objection, de-identification, retention. */
export function studyFindings(
  disclosure: DisclosureFact,
  study: ResolvedStudy,
  index: ComplianceIndex,
): FindingIssue[] {
  return [
    ...consentFindings(disclosure, study, index),
    ...deidentificationFindings(disclosure, study),
    ...inspectionFindings(disclosure, study, index.latestInspection(study.studyInstanceUid)),
  ];
}

/**
 * The findings consents decide (CONSENT_CODES): the authorization and retention of a
 * patient-authorized disclosure, from its covering PERMITs, and an objection, from its
 * covering DENYs. The index gives a question's covering consents once, arranged by time
 * (ComplianceIndex.coveringConsents): a disclosure asks them what holds at its time, and
 * reads only the consents its finding names, not each of a patient's thousands of consents.
 * The same findings as authorizationFinding, retentionFinding and objectionFinding given
 * every covering consent.
 */
export function consentFindings(
  disclosure: DisclosureFact,
  study: ResolvedStudy,
  index: ComplianceIndex,
): FindingIssue[] {
  if (TREATMENT_OR_LAW.has(disclosure.legalBasis)) return [];
  const t = disclosure.at;
  const issues: FindingIssue[] = [];
  const question = {
    study,
    purpose: disclosure.purpose,
    recipientVendorId: disclosure.recipientVendorId,
  };
  if (disclosure.legalBasis === 'PATIENT_AUTHORIZATION') {
    const permits = index.coveringConsents(question, 'PERMIT');
    // A never-revoked PERMIT in force settles both authorization and retention.
    if (!permits.standingAt(t)) {
      const reliedOn = permits.inForceAt(t);
      const issue =
        reliedOn.length === 0
          ? authorizationGap(disclosure, study, permits.lapsesAt(t))
          : retentionOfReliedOn(disclosure, study.studyInstanceUid, reliedOn, index);
      if (issue) issues.push(issue);
    }
  }
  const objection = objectionOf(disclosure, index.coveringConsents(question, 'DENY').inForceAt(t));
  if (objection) issues.push(objection);
  return issues;
}

/**
 * For a PATIENT_AUTHORIZATION disclosure with no covering PERMIT in force at t, the one
 * reason that applies first: CONSENT_REVOKED, CONSENT_EXPIRED, else NO_CONSENT.
 */
export function authorizationFinding(
  disclosure: DisclosureFact,
  study: ResolvedStudy,
  coveringPermits: readonly ConsentFact[],
): FindingIssue | undefined {
  const t = disclosure.at;
  if (coveringPermits.some((c) => consentInForce(c, t))) return undefined;
  const lapses: PermitLapses = {
    upcoming: coveringPermits
      .filter((c) => t < c.validFrom)
      .sort((a, b) => a.validFrom - b.validFrom || compareStrings(a.consentId, b.consentId)),
  };
  const revoked = latest(
    coveringPermits.filter((c) => c.validFrom <= t && revokedBy(c, t)),
    (c) => c.revokedAt ?? 0,
  );
  if (revoked) lapses.revoked = revoked;
  const expired = latest(
    coveringPermits.filter((c) => c.validUntil !== undefined && c.validUntil < t),
    (c) => c.validUntil ?? 0,
  );
  if (expired) lapses.expired = expired;
  return authorizationGap(disclosure, study, lapses);
}

/** authorizationFinding's reason, given why no covering PERMIT was in force at t. */
function authorizationGap(
  disclosure: DisclosureFact,
  study: ResolvedStudy,
  { revoked, expired, upcoming }: PermitLapses,
): FindingIssue {
  const t = disclosure.at;
  const when = formatInstant(t);
  if (revoked) {
    return {
      code: 'CONSENT_REVOKED',
      detail:
        `Consent ${revoked.consentId} covering ${disclosure.purpose} was revoked on ` +
        `${formatInstant(revoked.revokedAt ?? t)}, at or before the disclosure on ${when}, ` +
        'and no other covering consent was in force.',
    };
  }
  if (expired) {
    return {
      code: 'CONSENT_EXPIRED',
      detail:
        `Consent ${expired.consentId} covering ${disclosure.purpose} expired on ` +
        `${formatInstant(expired.validUntil ?? t)}, before the disclosure on ${when}, ` +
        'and no other covering consent was in force.',
    };
  }
  if (study.patient === undefined) {
    return {
      code: 'NO_CONSENT',
      detail:
        `The study's patient is not known, so no consent can cover its disclosure to ` +
        `${disclosure.recipientVendorId} for ${disclosure.purpose} on ${when}.`,
    };
  }
  const effective = upcoming.map(
    (c) => `consent ${c.consentId} takes effect only on ${formatInstant(c.validFrom)}`,
  );
  return {
    code: 'NO_CONSENT',
    detail:
      `No PERMIT consent covering ${disclosure.purpose} for ${disclosure.recipientVendorId} ` +
      `was in force on ${when}${effective.length > 0 ? ` (${effective.join('; ')})` : ''}.`,
  };
}

/** PATIENT_OBJECTED: a covering DENY in force at t, unless the basis overrides objections. */
export function objectionFinding(
  disclosure: DisclosureFact,
  coveringDenies: readonly ConsentFact[],
): FindingIssue | undefined {
  if (TREATMENT_OR_LAW.has(disclosure.legalBasis)) return undefined;
  return objectionOf(
    disclosure,
    coveringDenies.filter((c) => consentInForce(c, disclosure.at)),
  );
}

/** PATIENT_OBJECTED given the covering DENYs in force at t. */
function objectionOf(
  disclosure: DisclosureFact,
  inForce: readonly ConsentFact[],
): FindingIssue | undefined {
  if (inForce.length === 0) return undefined;
  const ids = [...new Set(inForce.map((c) => c.consentId))].sort(compareStrings);
  return {
    code: 'PATIENT_OBJECTED',
    detail:
      `DENY ${plural(ids.length, 'consent', 'consents')} ${formatList(ids)} covering ` +
      `${disclosure.purpose} for ${disclosure.recipientVendorId} ` +
      `${plural(ids.length, 'was', 'were')} in force on ${formatInstant(disclosure.at)}.`,
  };
}

/** NOT_DEIDENTIFIED (basis DEIDENTIFIED only) and FACE_NOT_REMOVED (whatever the basis). */
export function deidentificationFindings(
  disclosure: DisclosureFact,
  study: ResolvedStudy,
): FindingIssue[] {
  const issues: FindingIssue[] = [];
  if (disclosure.legalBasis === 'DEIDENTIFIED' && !isDeidentifiedDerivative(study)) {
    issues.push({
      code: 'NOT_DEIDENTIFIED',
      detail: study.isDerivative
        ? 'Disclosed under basis DEIDENTIFIED, but the derivative was made without method ' +
          `code ${BASIC_PROFILE_CODE} (Basic Application Confidentiality Profile); its codes: ` +
          `${study.methodCodes.length > 0 ? study.methodCodes.join(', ') : 'none'}.`
        : 'Disclosed under basis DEIDENTIFIED, but the study is not a de-identified derivative.',
    });
  }
  if (needsFaceRemoval(study) && !study.methodCodes.includes(CLEAN_VISUAL_FEATURES_CODE)) {
    issues.push({
      code: 'FACE_NOT_REMOVED',
      detail:
        `A derivative of a ${study.modality ?? ''} of the ${study.bodyPart ?? ''} was disclosed ` +
        `without method code ${CLEAN_VISUAL_FEATURES_CODE} ` +
        '(Clean Recognizable Visual Features Option).',
    });
  }
  return issues;
}

/** The patient of a study as PATIENT_IDENTIFIABLE matches it (pseudonyms), if known. */
export function patientKeyOf(study: ResolvedStudy): PatientKey | undefined {
  if (study.patient === undefined) return undefined;
  const key: PatientKey = { value: study.patient };
  if (study.patientSystem !== undefined) key.system = study.patientSystem;
  if (study.patientValuePseudonym !== undefined) key.valuePseudonym = study.patientValuePseudonym;
  return key;
}

/**
 * v1.1, from the study's latest inspection (whatever its time): DEIDENTIFICATION_FAILED for a
 * DEIDENTIFIED disclosure of a study that failed it; PATIENT_IDENTIFIABLE for a derivative in
 * whose files the inspection found its own patient's identifier, whatever the basis.
 */
export function inspectionFindings(
  disclosure: DisclosureFact,
  study: ResolvedStudy,
  latest: InspectionFact | undefined,
): FindingIssue[] {
  if (latest === undefined) return [];
  const issues: FindingIssue[] = [];
  const when = formatInstant(latest.at);
  if (disclosure.legalBasis === 'DEIDENTIFIED' && latest.result === 'FAIL') {
    const codes = [...new Set(latest.issueCodes ?? [])].sort(compareStrings);
    issues.push({
      code: 'DEIDENTIFICATION_FAILED',
      detail:
        `Disclosed under basis DEIDENTIFIED, but inspection ${latest.inspectionId} of the ` +
        `study's files (${when}) failed: ${codes.length > 0 ? codes.join(', ') : 'no issue codes given'}.`,
    });
  }
  const patient = patientKeyOf(study);
  if (
    study.isDerivative &&
    patient !== undefined &&
    (latest.patientIdentifiersFound ?? []).some((found) => identifiesPatient(found, patient))
  ) {
    issues.push({
      code: 'PATIENT_IDENTIFIABLE',
      detail:
        `Inspection ${latest.inspectionId} of the derivative's files (${when}) found an ` +
        "identifier of the derivative's own patient.",
    });
  }
  return issues;
}

/** A derivative whose own method codes include the basic profile (113100). */
export function isDeidentifiedDerivative(study: ResolvedStudy): boolean {
  return study.isDerivative && study.methodCodes.includes(BASIC_PROFILE_CODE);
}

/** A derivative of a CT or MR of the head or brain: a face can be rebuilt from it. */
export function needsFaceRemoval(study: ResolvedStudy): boolean {
  return (
    study.isDerivative &&
    matchesCode(study.modality, FACE_MODALITIES) &&
    matchesCode(study.bodyPart, FACE_BODY_PARTS)
  );
}

/** The consent with the greatest time (ties: the smallest id), so the detail is deterministic. */
function latest(
  consents: readonly ConsentFact[],
  time: (consent: ConsentFact) => number,
): ConsentFact | undefined {
  let best: ConsentFact | undefined;
  for (const consent of consents) {
    if (
      best === undefined ||
      time(consent) > time(best) ||
      (time(consent) === time(best) && consent.consentId < best.consentId)
    ) {
      best = consent;
    }
  }
  return best;
}
