// A patient whose study is disclosed to a hosting vendor, then asks for its deletion; the
// study may be passed on to a second vendor first and its deletion attested after: the
// world behind the per-vendor obligation counts, shared by the medium tier (counts equal
// what paging gives) and the browser suite (the dashboard shows the server's counts).
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { Client } from 'pg';

export interface ObligationWorld {
  /** Sets this world's MRNs and ids apart (`MRN-<tag><i>`, `del-<tag>-<i>`, ...). */
  tag: string;
  /** The studies' uid before the zero-padded patient number. */
  uidPrefix: string;
  /** Every study is disclosed to this vendor... */
  host: string;
  /** ...and passed on from it to this one where `passedOn`. */
  onward: string;
  passedOn: (i: number) => boolean;
  /** The host attests the study's deletion (after the request). */
  attested: (i: number) => boolean;
  /** The request's due date. */
  dueBy: (i: number) => string;
}

export const obligationStudyUid = (world: ObligationWorld, i: number): string =>
  `${world.uidPrefix}${String(i).padStart(4, '0')}`;

/** January 2025, `day`, with `i` seconds: each patient's events in their own second. */
export const obligationTime = (day: number, i: number): string =>
  new Date(Date.UTC(2025, 0, day, 0, 0, i)).toISOString();

/** Patient `i`'s events: registered, disclosed, (passed on), deletion requested, (attested). */
export function obligationPatientEvents(world: ObligationWorld, i: number): object[] {
  const { tag } = world;
  const at = obligationTime;
  const uid = obligationStudyUid(world, i);
  const patient = { system: 'urn:oid:2.16.840.1.113883.3.7', value: `MRN-${tag}${i}` };
  const target = { studyInstanceUid: uid };
  const events: object[] = [
    cloudEvent(
      'org.scantrail.study.registered',
      exampleData('org.scantrail.study.registered', {
        studyInstanceUid: uid,
        patient,
        accessionNumber: `ACC-${tag}${i}`,
      }),
      { time: at(1, i) },
    ),
    cloudEvent(
      'org.scantrail.disclosure.recorded',
      exampleData('org.scantrail.disclosure.recorded', {
        disclosureId: `dsc-${tag}-${i}`,
        recipientVendorId: world.host,
        target,
        purpose: 'TREATMENT',
        legalBasis: 'TREATMENT',
        agreementId: undefined,
      }),
      { time: at(2, i) },
    ),
    cloudEvent(
      'org.scantrail.deletion.requested',
      {
        requestId: `del-${tag}-${String(i).padStart(4, '0')}`,
        patient,
        dueBy: world.dueBy(i),
        legalGround: 'CCPA 1798.105',
      },
      { time: at(4, i) },
    ),
  ];
  if (world.passedOn(i)) {
    events.push(
      cloudEvent(
        'org.scantrail.transfer.onward',
        {
          transferId: `trf-${tag}-${i}`,
          fromVendorId: world.host,
          toVendorId: world.onward,
          target,
          purpose: 'TREATMENT',
        },
        { time: at(3, i) },
      ),
    );
  }
  if (world.attested(i)) {
    events.push(
      cloudEvent(
        'org.scantrail.deletion.attested',
        { vendorId: world.host, target },
        { time: at(10, i) },
      ),
    );
  }
  return events;
}

/**
 * Makes the ledger at `ownerUrl` look recorded before its deletion requests were kept
 * (`cli keep-obligations` not run yet): every request unkept, so filtered lists are answered
 * from the tally. As the schema owner: the apps' roles may not write the table.
 */
export async function markRequestsUnkept(ownerUrl: string): Promise<void> {
  const owner = new Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    await owner.query(
      'INSERT INTO rm_deletion_unkept SELECT request_id FROM rm_deletion_requests ON CONFLICT DO NOTHING',
    );
  } finally {
    await owner.end();
  }
}
