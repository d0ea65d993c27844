import fc from 'fast-check';
import { LEGAL_BASES } from '@scantrail/contract';
import {
  AGREEMENT_CODES,
  agreementVerdicts,
  evaluateAgreementFindings,
} from './agreement.findings';
import { ComplianceIndex } from './compliance.index';
import { CONSENT_CODES, evaluateConsentFindings } from './consent.findings';
import { consentCovers } from './consent.rules';
import {
  authorizationFinding,
  deidentificationFindings,
  findingOn,
  inspectionFindings,
  objectionFinding,
} from './disclosure.findings';
import { evaluateFindings } from './evaluate-findings';
import type {
  AgreementFact,
  ComplianceWorld,
  ConsentFact,
  DatasetMemberFact,
  DeletionFact,
  DisclosureFact,
  Finding,
  FoundIdentifier,
  InspectionFact,
  LegalBasis,
  Purpose,
  StudyFact,
  TargetRef,
  TransferFact,
} from './facts';
import { compareFindings } from './finding-order';
import { retentionFinding } from './retention.findings';
import {
  aDeny,
  aDisclosure,
  aPermit,
  aTransfer,
  anAgreement,
  anOriginal,
  aWorld,
  codesOf,
  day,
  members,
  referenceWorld,
} from './testing/compliance-world.factory';

describe('evaluateFindings', () => {
  it('should sort findings by ledger sequence, study uid and code when events carry several', () => {
    const findings = evaluateFindings(
      referenceWorld({
        agreements: [],
        consents: [aDeny()],
        datasetMembers: members('DS1', ['S2', 'S1-BASIC', 'S1'], day(1)),
        disclosures: [
          aDisclosure({ eventId: 'E-B', ledgerSequence: 9, target: { datasetId: 'DS1' } }),
          aDisclosure({ eventId: 'E-A', ledgerSequence: 3 }),
        ],
        transfers: [aTransfer({ ledgerSequence: 5 })],
      }),
    );
    const keys = findings.map((f) => `${f.ledgerSequence} ${f.studyInstanceUid} ${f.code}`);
    expect(keys).toEqual([
      '3 S1 NO_AGREEMENT',
      '3 S1 NO_CONSENT',
      '3 S1 PATIENT_OBJECTED',
      '5 S1 UNAUTHORIZED_ONWARD_TRANSFER',
      '9 S1 NO_AGREEMENT',
      '9 S1 NO_CONSENT',
      '9 S1 PATIENT_OBJECTED',
      '9 S1-BASIC FACE_NOT_REMOVED',
      '9 S1-BASIC NO_AGREEMENT',
      '9 S1-BASIC NO_CONSENT',
      '9 S1-BASIC PATIENT_OBJECTED',
      '9 S2 NO_AGREEMENT',
      '9 S2 NO_CONSENT',
      '9 S2 PATIENT_OBJECTED',
    ]);
  });

  it('should report PATIENT_OBJECTED when a DENY valid at t is recorded after the disclosure', () => {
    const lateDeny = aDeny({ validFrom: day(1) });
    const world = referenceWorld({ consents: [aPermit()] });
    const withLateDeny = { ...world, consents: [...world.consents, lateDeny] };
    expect(codesOf(evaluateFindings(world), 'E-D1')).toEqual([]);
    expect(codesOf(evaluateFindings(withLateDeny), 'E-D1')).toEqual(['PATIENT_OBJECTED@S1']);
  });

  it('should give the same findings when every array is reversed', () => {
    const world = referenceWorld({
      consents: [aPermit({ revokedAt: day(20) }), aDeny({ validFrom: day(3), vendorIds: ['V2'] })],
      datasetMembers: members('DS1', ['S1', 'S1-BASIC', 'S2'], day(1)),
      disclosures: [
        aDisclosure({ target: { datasetId: 'DS1' } }),
        aDisclosure({ eventId: 'E-D2', ledgerSequence: 101, recipientVendorId: 'V2' }),
      ],
      transfers: [aTransfer({ at: day(12), toVendorId: 'V3' })],
    });
    const reversed = Object.fromEntries(
      Object.entries(world).map(([key, list]) => [key, [...(list as unknown[])].reverse()]),
    ) as unknown as ComplianceWorld;
    expect(evaluateFindings(reversed)).toEqual(evaluateFindings(world));
  });

  it('should return nothing when the world is empty', () => {
    expect(evaluateFindings(aWorld())).toEqual([]);
  });

  it('should find every retained disclosure when there are thousands of disclosures and a large dataset (quadratic work would time out)', () => {
    const n = 4000;
    const uids = Array.from({ length: n }, (_, i) => `S${i}`);
    const world = aWorld({
      studies: uids.map((uid, i) => anOriginal(uid, { patient: `PSN-${i % 1000}` })),
      consents: Array.from({ length: 1000 }, (_, i) =>
        aPermit({ consentId: `C${i}`, patient: `PSN-${i}`, revokedAt: day(50) }),
      ),
      agreements: [anAgreement()],
      datasetMembers: members('BIG', uids, day(1)),
      disclosures: [
        ...uids.map((uid, i) =>
          aDisclosure({ eventId: `E${i}`, ledgerSequence: i, target: { studyInstanceUid: uid } }),
        ),
        ...Array.from({ length: 10 }, (_, i) =>
          aDisclosure({ eventId: `B${i}`, ledgerSequence: n + i, target: { datasetId: 'BIG' } }),
        ),
      ],
      transfers: Array.from({ length: 500 }, (_, i) =>
        aTransfer({
          eventId: `T${i}`,
          ledgerSequence: 2 * n + i,
          at: day(11),
          target: { datasetId: 'BIG' },
        }),
      ),
    });
    const findings = evaluateFindings(world);
    // Every (disclosure, study) pair relied on a consent revoked later and never deleted.
    expect(findings.filter((f) => f.code === 'RETAINED_AFTER_REVOCATION')).toHaveLength(n * 11);
  }, 120_000);
});

describe('evaluateFindings properties', () => {
  const PATIENTS = ['PSN-A', 'PSN-B'];
  const ORIGINALS = ['S0', 'S1', 'S2', 'S3'];
  const DERIVATIVES = ['D0', 'D1', 'D2'];
  const UIDS = [...ORIGINALS, ...DERIVATIVES, 'S-UNKNOWN'];
  const VENDORS = ['V0', 'V1', 'V2'];
  const DATASETS = ['DS0', 'DS1'];
  const PURPOSES: Purpose[] = ['RESEARCH', 'AI_TRAINING', 'TREATMENT'];
  const BASES: readonly LegalBasis[] = LEGAL_BASES;
  // Few distinct instants, so that ties at period bounds are frequent.
  const time = fc.integer({ min: 0, max: 12 }).map((n) => day(n));
  const optionalTime = fc.option(time, { nil: undefined });
  const someOf = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });
  const target: fc.Arbitrary<TargetRef> = fc.oneof(
    fc.constantFrom(...UIDS).map((studyInstanceUid) => ({ studyInstanceUid })),
    fc.constantFrom(...DATASETS).map((datasetId) => ({ datasetId })),
  );
  const withoutUndefined = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

  const original = (studyInstanceUid: string): fc.Arbitrary<StudyFact> =>
    fc
      .record({
        studyInstanceUid: fc.constant(studyInstanceUid),
        patient: fc.constantFrom(...PATIENTS),
        modality: fc.constantFrom('CT', 'MR', 'CR'),
        bodyPart: fc.constantFrom('HEAD', 'BRAIN', 'CHEST'),
      })
      // As the ingest stores a registration: system, and the value-only pseudonym.
      .map((s) => ({ ...s, patientSystem: 'SYS', patientValuePseudonym: `PV-${s.patient}` }));
  const derivative = (studyInstanceUid: string): fc.Arbitrary<StudyFact> =>
    fc.record({
      studyInstanceUid: fc.constant(studyInstanceUid),
      // may point at another derivative, itself or an unknown uid: chains and loops
      derivedFrom: fc.constantFrom(...UIDS),
      methodCodes: fc.subarray(['113100', '113101', '113102']),
    });
  // Mostly one fact per uid (as the loader gives), sometimes none or a conflicting duplicate.
  const studies: fc.Arbitrary<StudyFact[]> = fc
    .tuple(
      fc.tuple(...ORIGINALS.map((uid) => fc.option(original(uid), { nil: undefined, freq: 6 }))),
      fc.tuple(
        ...DERIVATIVES.map((uid) => fc.option(derivative(uid), { nil: undefined, freq: 6 })),
      ),
      fc.array(
        fc.oneof(
          fc.constantFrom(...ORIGINALS).chain(original),
          fc.constantFrom(...DERIVATIVES).chain(derivative),
        ),
        { maxLength: 2 },
      ),
    )
    .map(([originals, derivatives, extra]) =>
      [...originals, ...derivatives, ...extra].filter((f): f is StudyFact => f !== undefined),
    );
  const consent = (i: number): fc.Arbitrary<ConsentFact> =>
    fc
      .record({
        patient: fc.constantFrom(...PATIENTS),
        decision: fc.constantFrom<'PERMIT' | 'DENY'>('PERMIT', 'DENY'),
        purposes: someOf(PURPOSES),
        vendorIds: fc.option(someOf(VENDORS), { nil: undefined, freq: 2 }),
        scope: fc.option(
          fc
            .record({
              studyInstanceUids: fc.option(someOf(UIDS), { nil: undefined }),
              modalities: fc.option(someOf(['CT', 'MR']), { nil: undefined }),
            })
            .map(withoutUndefined),
          { nil: undefined, freq: 2 },
        ),
        validFrom: time,
        validUntil: optionalTime,
        revokedAt: fc.option(time, { nil: undefined, freq: 2 }),
      })
      .map((c) => withoutUndefined({ consentId: `C${i}`, ...c }));
  const agreement = (i: number): fc.Arbitrary<AgreementFact> =>
    fc
      .record({
        vendorId: fc.constantFrom(...VENDORS),
        permittedPurposes: someOf(PURPOSES),
        effectiveFrom: time,
        expiresAt: optionalTime,
        terminatedAt: optionalTime,
        allowsOnwardTransfer: fc.boolean(),
      })
      .map((a) => withoutUndefined({ agreementId: `A${i}`, ...a }));
  const member: fc.Arbitrary<DatasetMemberFact> = fc.record({
    datasetId: fc.constantFrom(...DATASETS),
    studyInstanceUid: fc.constantFrom(...UIDS),
    addedAt: time,
  });
  const disclosure = (i: number): fc.Arbitrary<DisclosureFact> =>
    fc.record({
      eventId: fc.constant(`E-D${i}`),
      ledgerSequence: fc.constant(i),
      at: time,
      disclosureId: fc.constant(`D${i}`),
      recipientVendorId: fc.constantFrom(...VENDORS),
      target,
      purpose: fc.constantFrom(...PURPOSES),
      legalBasis: fc.oneof(
        { arbitrary: fc.constant<LegalBasis>('PATIENT_AUTHORIZATION'), weight: 2 },
        { arbitrary: fc.constantFrom(...BASES), weight: 3 },
      ),
    });
  const transfer = (i: number): fc.Arbitrary<TransferFact> =>
    fc.record({
      eventId: fc.constant(`E-T${i}`),
      ledgerSequence: fc.constant(100 + i),
      at: time,
      transferId: fc.constant(`T${i}`),
      fromVendorId: fc.constantFrom(...VENDORS),
      toVendorId: fc.constantFrom(...VENDORS),
      target,
      purpose: fc.constantFrom(...PURPOSES),
    });
  const deletion = (i: number): fc.Arbitrary<DeletionFact> =>
    fc.record({
      eventId: fc.constant(`E-X${i}`),
      ledgerSequence: fc.constant(200 + i),
      at: time,
      vendorId: fc.constantFrom(...VENDORS),
      target,
    });
  // v1.1: inspections of any study, at few instants (ties broken by ledger sequence), finding
  // the patient by system and value, by value alone, or under another system.
  const foundIdentifier: fc.Arbitrary<FoundIdentifier> = fc
    .tuple(fc.constantFrom(...PATIENTS), fc.constantFrom('same', 'value-only', 'other'))
    .map(([patient, how]) =>
      how === 'same'
        ? { system: 'SYS', value: patient }
        : how === 'value-only'
          ? { value: `PV-${patient}` }
          : { system: 'OTHER', value: patient },
    );
  const inspection = (i: number): fc.Arbitrary<InspectionFact> =>
    fc
      .record({
        studyInstanceUid: fc.constantFrom(...UIDS),
        at: time,
        result: fc.constantFrom<'PASS' | 'FAIL'>('PASS', 'FAIL'),
        found: fc.option(fc.array(foundIdentifier, { minLength: 1, maxLength: 2 }), {
          nil: undefined,
        }),
      })
      .map(({ found, ...rest }) =>
        withoutUndefined({
          ...rest,
          inspectionId: `I${i}`,
          ledgerSequence: 300 + i,
          issueCodes: rest.result === 'FAIL' ? ['IDENTITY_REMOVED_NOT_MARKED'] : undefined,
          patientIdentifiersFound: found,
        }),
      );
  const numbered = <T>(make: (i: number) => fc.Arbitrary<T>, max: number) =>
    fc
      .integer({ min: 0, max })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => make(i))));

  const world: fc.Arbitrary<ComplianceWorld> = fc.record({
    studies,
    consents: numbered(consent, 6),
    agreements: numbered(agreement, 5),
    datasetMembers: fc.array(member, { maxLength: 8 }),
    disclosures: numbered(disclosure, 6),
    transfers: numbered(transfer, 5),
    deletions: numbered(deletion, 5),
    inspections: numbered(inspection, 4),
  });
  // Disclosures under authorization of consents that cover them: the retention chains.
  const retentionWorld = world.map((w): ComplianceWorld => ({
    ...w,
    consents: w.consents.map(({ vendorIds: _v, scope: _s, ...c }) => ({
      ...c,
      decision: 'PERMIT',
      purposes: PURPOSES,
    })),
    disclosures: w.disclosures.map((d) => ({ ...d, legalBasis: 'PATIENT_AUTHORIZATION' })),
  }));
  const shuffled = <T>(list: readonly T[]) =>
    fc.shuffledSubarray([...list], { minLength: list.length, maxLength: list.length });
  const worldAndShuffle = fc.oneof(world, retentionWorld).chain((w) =>
    fc.tuple(
      fc.constant(w),
      fc.record({
        studies: shuffled(w.studies),
        consents: shuffled(w.consents),
        agreements: shuffled(w.agreements),
        datasetMembers: shuffled(w.datasetMembers),
        disclosures: shuffled(w.disclosures),
        transfers: shuffled(w.transfers),
        deletions: shuffled(w.deletions),
        inspections: shuffled(w.inspections ?? []),
      }),
    ),
  );

  it('should give identical findings when every array of the world is shuffled', () => {
    fc.assert(
      fc.property(worldAndShuffle, ([original, reordered]) => {
        expect(evaluateFindings(reordered)).toEqual(evaluateFindings(original));
      }),
      { numRuns: 600 },
    );
  });

  it('should give the agreement findings of the whole world from its events, agreements and members alone', () => {
    // What the findings worker loads for a signed or terminated agreement: the disclosures
    // whose basis needs an agreement, the transfers, the agreements and the members.
    fc.assert(
      fc.property(fc.oneof(world, retentionWorld), (w) => {
        const whole = evaluateFindings(w).filter((f) => AGREEMENT_CODES.includes(f.code));
        const alone: ComplianceWorld = {
          studies: [],
          consents: [],
          agreements: w.agreements,
          datasetMembers: w.datasetMembers,
          disclosures: w.disclosures.filter(
            (d) => d.legalBasis !== 'TREATMENT' && d.legalBasis !== 'REQUIRED_BY_LAW',
          ),
          transfers: w.transfers,
          deletions: [],
        };
        expect(evaluateAgreementFindings(alone)).toEqual(whole);
        expect(evaluateAgreementFindings(w)).toEqual(whole);
      }),
      { numRuns: 600 },
    );
  });

  it('should give each event the agreement verdict its findings have, without studies or members', () => {
    // What the findings worker compares with each event's stored finding: an event has its
    // agreement finding on a study exactly when its verdict has an issue and it carried the
    // study, and every such finding has the verdict's code and detail.
    fc.assert(
      fc.property(fc.oneof(world, retentionWorld), (w) => {
        const whole = evaluateFindings(w).filter((f) => AGREEMENT_CODES.includes(f.code));
        const verdicts = agreementVerdicts({
          agreements: w.agreements,
          disclosures: w.disclosures,
          transfers: w.transfers,
        });
        expect(verdicts).toHaveLength(w.disclosures.length + w.transfers.length);
        const bySequence = new Map(verdicts.map((v) => [v.ledgerSequence, v]));
        for (const f of whole) {
          const verdict = bySequence.get(f.ledgerSequence);
          expect(verdict?.code).toBe(f.code);
          expect(verdict?.issue).toEqual({ code: f.code, detail: f.detail });
        }
        const flagged = new Set(whole.map((f) => f.ledgerSequence));
        const carries = (e: DisclosureFact | TransferFact): boolean =>
          e.target.studyInstanceUid !== undefined ||
          w.datasetMembers.some((m) => m.datasetId === e.target.datasetId && m.addedAt <= e.at);
        for (const e of [...w.disclosures, ...w.transfers]) {
          const verdict = bySequence.get(e.ledgerSequence);
          if (!flagged.has(e.ledgerSequence) && carries(e)) expect(verdict?.issue).toBeUndefined();
        }
      }),
      { numRuns: 600 },
    );
  });

  /**
   * The rules as they read before consents were indexed: every disclosure asked about every
   * consent of its patient. The indexed evaluation must give exactly these findings (of
   * disclosures: transfers ask no consent).
   */
  const everyConsentAsked = (w: ComplianceWorld): Finding[] => {
    const index = new ComplianceIndex(w);
    const findings: Finding[] = [];
    const needsNoAgreement = new Set<LegalBasis>(['TREATMENT', 'REQUIRED_BY_LAW']);
    for (const d of w.disclosures) {
      const agreement = evaluateAgreementFindings({ ...w, disclosures: [d], transfers: [] });
      for (const f of agreement) findings.push(f);
      for (const uid of index.studiesCarried(d.target, d.at)) {
        const study = index.study(uid);
        const question = { study, purpose: d.purpose, recipientVendorId: d.recipientVendorId };
        const covering = w.consents.filter((c) => consentCovers(c, question));
        const permits = covering.filter((c) => c.decision === 'PERMIT');
        const issues = [];
        if (d.legalBasis === 'PATIENT_AUTHORIZATION') {
          issues.push(authorizationFinding(d, study, permits));
          issues.push(retentionFinding(d, uid, permits, index));
        }
        if (!needsNoAgreement.has(d.legalBasis)) {
          issues.push(
            objectionFinding(
              d,
              covering.filter((c) => c.decision === 'DENY'),
            ),
          );
        }
        issues.push(...deidentificationFindings(d, study));
        issues.push(...inspectionFindings(d, study, index.latestInspection(uid)));
        for (const issue of issues) if (issue) findings.push(findingOn(d, uid, issue));
      }
    }
    return findings.sort(compareFindings);
  };

  it('should give the findings of every disclosure asked about every consent when consents are looked up by patient, purpose and recipient', () => {
    fc.assert(
      fc.property(fc.oneof(world, retentionWorld), (w) => {
        const ofDisclosures = evaluateFindings(w).filter((f) => f.eventId.startsWith('E-D'));
        expect(ofDisclosures).toEqual(everyConsentAsked(w));
      }),
      { numRuns: 600 },
    );
  });

  it('should give exactly the consent findings of a whole evaluation on the studies asked', () => {
    fc.assert(
      fc.property(fc.oneof(world, retentionWorld), fc.subarray(UIDS), (w, asked) => {
        const studies = new Set(asked);
        const whole = evaluateFindings(w).filter(
          (f) => studies.has(f.studyInstanceUid) && CONSENT_CODES.includes(f.code),
        );
        expect(evaluateConsentFindings(w, studies)).toEqual(whole);
      }),
      { numRuns: 600 },
    );
  });

  it('should change no finding of a disclosure that neither recording of a consent can cover when it is recorded, recorded again or revoked', () => {
    // What the findings worker re-evaluates after a consent's event: the disclosures of the
    // studies of each recording's patient, for one of its purposes, to one of its recipients,
    // under a basis its decision concerns (disclosures-covered.sql). Every other finding must
    // stay as it was.
    const change = fc.oneof(
      fc.constant<'recorded'>('recorded'),
      fc.constant<'revoked'>('revoked'),
      consent(0).map((c) => ({ again: c })),
    );
    fc.assert(
      fc.property(fc.oneof(world, retentionWorld), consent(99), change, time, (w, c, how, t) => {
        const others = w.consents;
        const before: ComplianceWorld = how === 'recorded' ? w : { ...w, consents: [...others, c] };
        const changed: ConsentFact =
          how === 'recorded'
            ? c
            : how === 'revoked'
              ? { ...c, revokedAt: t }
              : { ...how.again, consentId: c.consentId };
        const after: ComplianceWorld = { ...w, consents: [...others, changed] };
        const recordings = how === 'recorded' ? [changed] : [c, changed];
        const index = new ComplianceIndex(after);
        const disclosures = new Map(w.disclosures.map((d) => [d.ledgerSequence, d]));
        const mayMove = (f: Finding): boolean => {
          const d = disclosures.get(f.ledgerSequence);
          if (d === undefined) return false;
          const patient = index.study(f.studyInstanceUid).patient;
          return recordings.some(
            (r) =>
              r.patient === patient &&
              r.purposes.includes(d.purpose) &&
              (r.vendorIds === undefined || r.vendorIds.includes(d.recipientVendorId)) &&
              (r.decision === 'PERMIT'
                ? d.legalBasis === 'PATIENT_AUTHORIZATION'
                : d.legalBasis !== 'TREATMENT' && d.legalBasis !== 'REQUIRED_BY_LAW'),
          );
        };
        const kept = (x: ComplianceWorld) => evaluateFindings(x).filter((f) => !mayMove(f));
        expect(kept(after)).toEqual(kept(before));
        // And those that may move are consent findings only.
        const moved = (x: ComplianceWorld) =>
          evaluateFindings(x).filter((f) => mayMove(f) && !CONSENT_CODES.includes(f.code));
        expect(moved(after)).toEqual(moved(before));
      }),
      { numRuns: 1000 },
    );
  });

  it('should keep the contract’s invariants when the world is random', () => {
    const consentCodes = new Set(['NO_CONSENT', 'CONSENT_REVOKED', 'CONSENT_EXPIRED']);
    fc.assert(
      fc.property(fc.oneof(world, retentionWorld), (w) => {
        const findings: Finding[] = evaluateFindings(w);
        const pairs = new Map<string, number>();
        findings.forEach((finding, i) => {
          if (i > 0) expect(compareFindings(findings[i - 1], finding)).toBeLessThanOrEqual(0);
          for (const patient of PATIENTS) expect(finding.detail).not.toContain(patient);
          const onTransfer = finding.eventId.startsWith('E-T');
          expect(finding.code === 'UNAUTHORIZED_ONWARD_TRANSFER').toBe(onTransfer);
          if (consentCodes.has(finding.code)) {
            const key = `${finding.eventId} ${finding.studyInstanceUid}`;
            pairs.set(key, (pairs.get(key) ?? 0) + 1);
          }
        });
        for (const count of pairs.values()) expect(count).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
