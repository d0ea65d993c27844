// Guard (passes on main; session 15's attacker): DICOM text attributes a real Orthanc keeps
// from what it is sent (files come from scanners, workstations and scripts, not from the
// standard): a NUL in a Study Description or Institution Name, a Study Description of
// 65,000 characters, of 33,000 double quotes or 12,000 control characters (66,000 and
// 72,000 bytes once in JSON). Had the bridge copied them into study.registered, the ingest
// would quarantine the registration (U+0000 is refused; an entry over 65,535 bytes is
// too_large, CONTRACT 4) and the study's sends would be recorded without its patient. It
// holds because Orthanc cuts a value at its NUL and leaves these long values out of the
// tags the bridge reads (the studies are registered without a description); this fails if
// either changes (an Orthanc upgrade, the bridge reading the full data set).
import { newUid, type DemoStudy } from '@scantrail/orthanc-local';
import { eventually } from '../support/test-env';
import { BridgeHarness, VENDOR_PEER } from './bridge-harness';

const REGISTERED = 'org.scantrail.study.registered';
const DISCLOSED = 'org.scantrail.disclosure.recorded';

const study = (patientId: string, extra: Partial<DemoStudy>): DemoStudy => ({
  studyInstanceUid: newUid(),
  patientId,
  studyDate: '20240401',
  series: [{ seriesInstanceUid: newUid(), seriesNumber: 1, modality: 'CT', instances: 1 }],
  ...extra,
});

describe('Orthanc bridge and hostile text attributes', () => {
  const h = new BridgeHarness({ stableAgeS: 1 });
  const hostile: [string, DemoStudy][] = [
    ['a NUL in its Study Description', study('MRN-HOSTILE-1', { description: 'Head\u0000CT' })],
    ['a NUL in its Institution Name', study('MRN-HOSTILE-2', { institutionName: 'St\u0000Els' })],
    [
      'a Study Description of 65,000 characters',
      study('MRN-HOSTILE-3', { description: 'Head CT '.repeat(8_125) }),
    ],
    [
      'a Study Description of 33,000 double quotes (66,000 bytes in JSON)',
      study('MRN-HOSTILE-4', { description: '"'.repeat(33_000) }),
    ],
    [
      'a Study Description of 12,000 control characters (72,000 bytes in JSON)',
      study('MRN-HOSTILE-5', { description: '\u0001'.repeat(12_000) }),
    ],
  ];

  beforeAll(async () => {
    await h.start({
      [VENDOR_PEER]: { vendorId: 'vnd-acme', purpose: 'RESEARCH', legalBasis: 'IRB_WAIVER' },
    });
    for (const [, s] of hostile) {
      await h.upload(s);
      await h.orthanc('POST', `/peers/${VENDOR_PEER}/store`, {
        Resources: [await h.orthancStudyId(s.studyInstanceUid)],
        Synchronous: true,
      });
    }
    await new Promise((r) => setTimeout(r, 2_500)); // stable before the bridge looks
    await h.startBridge();
    const subjects = async (type: string): Promise<string[]> =>
      (
        await h.db.dataSource.query<{ subject: string }[]>(
          'SELECT subject FROM ledger_entries WHERE type = $1',
          [type],
        )
      ).map((r) => r.subject);
    // Every send recorded: the bridge has read every study by then.
    await eventually(
      async () => {
        const sent = await subjects(DISCLOSED);
        return hostile.every(([, s]) => sent.includes(s.studyInstanceUid)) ? true : undefined;
      },
      90_000,
      'every send recorded',
    );
  }, 300_000);

  afterAll(async () => {
    await h.stop();
  }, 120_000);

  it.each(hostile.map(([name, s], i) => [name, s, i] as const))(
    'should register a study with %s, not leave it in the quarantine',
    async (_name, s) => {
      const registered = await eventually(
        async () => {
          const found = (await h.ledgerEvents(REGISTERED)).find(
            (e) => e.data.studyInstanceUid === s.studyInstanceUid,
          );
          return found;
        },
        20_000,
        'the study registered',
      ).catch(async () => {
        const reasons = await h.db.dataSource.query<{ reason: string }[]>(
          'SELECT reason FROM quarantined_messages ORDER BY id',
        );
        throw new Error(
          `not registered; the quarantine holds: ${JSON.stringify(reasons.map((r) => r.reason.slice(0, 120)))}`,
        );
      });
      expect(JSON.stringify(registered.data)).not.toContain('\\u0000');
    },
  );

  it('should leave nothing of these studies in the quarantine', async () => {
    const rows = await h.db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM quarantined_messages',
    );
    expect(rows[0].n).toBe(0);
  });
});
