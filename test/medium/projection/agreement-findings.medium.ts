import type { Purpose, Target } from '@scantrail/contract';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { catchUpFindings, completeFindings } from '@scantrail/projection';
import { LedgerLog } from '@scantrail/storage';
import { rebuildReadModels } from '../../../apps/cli/src/commands/rebuild.command';
import {
  createTestDatabase,
  DirectRecorder,
  testSettings,
  type TestDatabase,
} from '../../support/test-env';
import { RandomWorld } from '../../support/random-world';
import { wholeRecompute } from '../../support/whole-recompute';

/**
 * The findings worker re-evaluates a signed or terminated agreement's vendor by its
 * agreement findings only (refreshAgreementFindings). Here the stored findings, after
 * every batch of worlds recorded out of order, must equal a whole recompute: agreements
 * signed after the disclosures they cover, signed again with another period (the latest
 * by time wins, an older one may arrive last), terminated before or after they are
 * signed, disclosures and transfers on the bounds of the periods (a date opens at 00:00Z
 * and closes at 23:59:59.999Z).
 */
type Row = {
  event_id: string;
  study_uid: string;
  code: string;
  vendor_id: string;
  detail: string;
};
const WORLDS = 6;
const ROUND_WORLDS = Number(process.env.ROUND_WORLDS ?? 10);
const PURPOSES: Purpose[] = ['AI_TRAINING', 'RESEARCH'];

const day = (d: number): string => new Date(Date.UTC(2025, 2, 1 + d)).toISOString().slice(0, 10);
/** On a bound: the first or the last millisecond of day d, or its noon. */
const instant = (d: number, at: 'first' | 'last' | 'noon'): string =>
  new Date(
    Date.UTC(2025, 2, 1 + d) + (at === 'first' ? 0 : at === 'last' ? 86_400_000 - 1 : 43_200_000),
  ).toISOString();

const byKey = (a: Row, b: Row): number => {
  const x = `${a.event_id} ${a.study_uid} ${a.code}`;
  const y = `${b.event_id} ${b.study_uid} ${b.code}`;
  return x < y ? -1 : x > y ? 1 : 0;
};

function agreementSigned(
  agreementId: string,
  vendorId: string,
  period: { effectiveFrom: string; expiresAt?: string },
  purposes: Purpose[],
  allowsOnwardTransfer: boolean,
  time: string,
): object {
  const { expiresAt: _default, ...data } = exampleData('org.scantrail.agreement.signed', {
    agreementId,
    vendorId,
    permittedPurposes: purposes,
    effectiveFrom: period.effectiveFrom,
    allowsOnwardTransfer,
  });
  return cloudEvent(
    'org.scantrail.agreement.signed',
    period.expiresAt === undefined ? data : { ...data, expiresAt: period.expiresAt },
    { time, subject: vendorId },
  );
}

const agreementTerminated = (agreementId: string, time: string): object =>
  cloudEvent('org.scantrail.agreement.terminated', { agreementId }, { time });

function disclosure(
  disclosureId: string,
  recipientVendorId: string,
  target: Target,
  purpose: Purpose,
  legalBasis: 'DEIDENTIFIED' | 'IRB_WAIVER' | 'TREATMENT' | 'PATIENT_AUTHORIZATION',
  time: string,
): object {
  return cloudEvent(
    'org.scantrail.disclosure.recorded',
    exampleData('org.scantrail.disclosure.recorded', {
      disclosureId,
      recipientVendorId,
      target,
      purpose,
      legalBasis,
    }),
    { time },
  );
}

/**
 * `shuffled`: every event in random order and batches. `changes last`: the first signing of
 * each agreement with the events, then each later signing and termination (at least one of
 * each agreement, maybe an earlier second one) in a batch of its own, after the events
 * whose findings it moves.
 */
function randomWorld(
  w: number,
  order: 'shuffled' | 'changes last' = 'shuffled',
): { events: object[]; batches: number[] } {
  const world = new RandomWorld(5000 + w, `a${w}`);
  const { prefix, random, int, pick } = world;
  const vendors = [0, 1, 2].map((i) => `${prefix}-v${i}`);
  const patients = world.patients(3);
  const studies = Array.from({ length: 6 }, (_, i) => `1.3.${w}.${i}`);
  for (const uid of studies)
    world.registered(uid, pick(patients), `ACC-${uid}`, instant(0, 'noon'));
  const datasets = [`${prefix}-ds-0`, `${prefix}-ds-1`];
  world.datasetsAssembledTwice(datasets, studies, () => instant(int(20), 'noon'));
  const when = (): string => instant(int(20), pick(['first', 'last', 'noon'] as const));
  const changes: object[] = [];
  const changesLast = order === 'changes last';
  for (let a = 0; a < 3; a++) {
    const agreementId = `${prefix}-agr-${a}`;
    let vendorId = pick(vendors);
    let first = true;
    // Signed one to three times, each time with another period, purposes and onward rule,
    // now and then under another vendor (a correction: the latest signing by time holds).
    for (let k = 1 + int(3); k > 0; k--) {
      const from = int(15);
      if (random() < 0.3) vendorId = pick(vendors);
      (changesLast && !first ? changes : world.events).push(
        agreementSigned(
          agreementId,
          vendorId,
          {
            effectiveFrom: random() < 0.5 ? day(from) : instant(from, 'noon'),
            ...(random() < 0.6 ? { expiresAt: day(from + int(10)) } : {}),
          },
          random() < 0.3 ? PURPOSES : [pick(PURPOSES)],
          random() < 0.5,
          instant(int(30), 'noon'),
        ),
      );
      first = false;
    }
    // Terminated (maybe twice: the earliest counts), maybe before it is signed at all.
    const terminations = changesLast ? 1 + int(2) : random() < 0.5 ? int(3) : 0;
    for (let k = terminations; k > 0; k--) {
      (changesLast ? changes : world.events).push(agreementTerminated(agreementId, when()));
    }
  }
  const target = (): Target =>
    random() < 0.7 ? { studyInstanceUid: pick(studies) } : { datasetId: pick(datasets) };
  for (let i = 0; i < 24; i++) {
    if (random() < 0.65) {
      world.events.push(
        disclosure(
          `${prefix}-dsc-${i}`,
          pick(vendors),
          target(),
          pick(PURPOSES),
          pick(['DEIDENTIFIED', 'IRB_WAIVER', 'TREATMENT', 'PATIENT_AUTHORIZATION'] as const),
          when(),
        ),
      );
    } else {
      world.transfer(i, pick(vendors), pick(vendors), target(), when());
    }
  }
  const events = world.shuffled();
  const batches: number[] = [];
  for (let left = events.length; left > 0;) {
    const n = Math.min(left, 1 + int(7));
    batches.push(n);
    left -= n;
  }
  for (const change of changes) {
    events.push(change);
    batches.push(1);
  }
  return { events, batches };
}

describe('agreement findings kept by the findings worker (medium: PostgreSQL)', () => {
  let db: TestDatabase;
  let recorder: DirectRecorder;
  const details = new Set<string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    recorder = new DirectRecorder(db.dataSource, testSettings());
  });
  const log = new LedgerLog(testSettings().ledgerOrigin);
  const roundCodes = new Set<string>();

  afterAll(() => db.drop());

  const stored = async (): Promise<Row[]> =>
    (
      await db.dataSource.query<Row[]>(
        'SELECT event_id, study_uid, code, vendor_id, detail FROM rm_findings',
      )
    ).sort(byKey);

  /** Every finding of the database, evaluated whole from its read models. */
  const wholeRecomputed = async (): Promise<Row[]> =>
    (await wholeRecompute(db.dataSource)).sort(byKey);

  /** Records `events` batch by batch, each time comparing with a whole recompute. */
  const recordComparingAfterEachBatch = async (
    events: Parameters<typeof recorder.record>[0],
    batches: readonly number[],
  ): Promise<void> => {
    let at = 0;
    for (const n of batches) {
      await recorder.record(events.slice(at, at + n));
      at += n;
      const rows = await stored();
      expect(rows).toEqual(await wholeRecomputed());
      for (const r of rows) if (r.code === 'NO_AGREEMENT') details.add(r.detail);
    }
  };

  it.each(Array.from({ length: WORLDS }, (_, w) => w))(
    'should equal a whole recompute after every batch of random world %i recorded out of order',
    async (w) => {
      const { events, batches } = randomWorld(w);
      await recordComparingAfterEachBatch(events, batches);
    },
  );

  it.each(Array.from({ length: WORLDS }, (_, w) => w))(
    'should equal a whole recompute after each signing and termination recorded after the events it moves (world %i)',
    async (w) => {
      // The worker re-evaluates only where a change can move a verdict (agreement-changes.ts):
      // a termination from its time on, a new period where the two periods differ. These
      // worlds record every later change after the disclosures and transfers it moves.
      const { events, batches } = randomWorld(100 + w, 'changes last');
      await recordComparingAfterEachBatch(events, batches);
    },
  );

  it.each(Array.from({ length: ROUND_WORLDS }, (_, w) => w))(
    'should equal a whole recompute when rounds end anywhere, behind read models that ran ahead, and after a rebuild (world %i)',
    async (w) => {
      // The regions of a round start from where the findings stood (`after`); here the
      // read models run ahead of the findings (recorded with findings 'later'), rounds take
      // 1 to 4 entries (so a round's end falls between a signing and its termination, or
      // between two signings of one agreement), agreements move between vendors and back,
      // grant several purposes, sign again at the same time (the ledger order decides),
      // and bounds fall on the very milliseconds of the events.
      const world = new RandomWorld(9000 + w, `r${w}`);
      const { prefix, random, int, pick } = world;
      const vendors = [0, 1, 2].map((i) => `${prefix}-v${i}`);
      const purposes: Purpose[] = ['AI_TRAINING', 'RESEARCH', 'PUBLIC_HEALTH'];
      const patients = world.patients(2);
      const studies = Array.from({ length: 4 }, (_, i) => `1.3.500.${w}.${i}`);
      for (const uid of studies)
        world.registered(uid, pick(patients), `ACC-${uid}`, instant(0, 'noon'));
      const datasets = [`${prefix}-ds-0`];
      world.datasetsAssembledTwice(datasets, studies, () => instant(int(12), 'noon'));
      // Instants shared by the events and the agreements' bounds and terminations.
      const edges = Array.from({ length: 8 }, (_, d) => [
        instant(d, 'first'),
        instant(d, 'last'),
        instant(d, 'noon'),
        new Date(Date.parse(instant(d, 'noon')) + 1).toISOString(),
      ]).flat();
      const edge = (): string => pick(edges);
      const someOf = (): Purpose[] => {
        const chosen = purposes.filter(() => random() < 0.5);
        return chosen.length > 0 ? chosen : [pick(purposes)];
      };
      const signingTimes = [instant(20, 'noon'), instant(21, 'noon'), instant(22, 'noon')];
      // Later signings and terminations, half of them recorded after every other event
      // (after the events they move, which their rounds then read again).
      const changes: object[] = [];
      const change = (): object[] => (random() < 0.5 ? changes : world.events);
      for (let a = 0; a < 3; a++) {
        const agreementId = `${prefix}-agr-${a}`;
        const home = pick(vendors);
        for (let k = 1 + int(4), first = true; k > 0; k--, first = false) {
          // Mostly its home vendor: moved away, then back.
          const vendorId = random() < 0.35 ? pick(vendors) : home;
          (first ? world.events : change()).push(
            agreementSigned(
              agreementId,
              vendorId,
              {
                effectiveFrom: random() < 0.5 ? day(int(10)) : edge(),
                ...(random() < 0.6 ? { expiresAt: random() < 0.5 ? day(int(12)) : edge() } : {}),
              },
              someOf(),
              random() < 0.5,
              pick(signingTimes),
            ),
          );
        }
        for (let k = int(3); k > 0; k--) change().push(agreementTerminated(agreementId, edge()));
      }
      const target = (): Target =>
        random() < 0.75 ? { studyInstanceUid: pick(studies) } : { datasetId: pick(datasets) };
      for (let i = 0; i < 20; i++) {
        if (random() < 0.55) {
          world.events.push(
            disclosure(
              `${prefix}-dsc-${i}`,
              pick(vendors),
              target(),
              pick(purposes),
              pick(['DEIDENTIFIED', 'IRB_WAIVER', 'TREATMENT'] as const),
              edge(),
            ),
          );
        } else {
          const from = pick(vendors);
          world.events.push(
            cloudEvent(
              'org.scantrail.transfer.onward',
              {
                transferId: `${prefix}-trf-${i}`,
                fromVendorId: from,
                // Now and then a vendor's transfer to itself: both sides are its own.
                toVendorId: random() < 0.25 ? from : pick(vendors),
                target: target(),
                purpose: pick(purposes),
              },
              { time: edge() },
            ),
          );
        }
      }
      const events = [...world.shuffled(), ...changes];
      const later = new DirectRecorder(db.dataSource, testSettings(), 10 + w, 'later');
      const round = (max: number): Promise<{ evaluated: number }> =>
        db.dataSource.transaction('READ COMMITTED', (m) => catchUpFindings(m, log, max));
      const settleAndCompare = async (): Promise<void> => {
        while ((await round(1 + int(4))).evaluated > 0);
        expect(await stored()).toEqual(await wholeRecomputed());
      };
      const rebuilt = Math.floor(events.length / 2);
      for (let at = 0; at < events.length;) {
        const n = 1 + int(5);
        await later.record(events.slice(at, at + n));
        at += n;
        // A few rounds, not always to the end: the findings lag the read models.
        for (let r = int(3); r > 0; r--) await round(1 + int(4));
        if (random() < 0.25) await settleAndCompare();
        if (at >= rebuilt && at - n < rebuilt) {
          // `cli rebuild` (its replay), then more incremental rounds on top of it.
          await rebuildReadModels(db.database, log);
          expect(await stored()).toEqual(await wholeRecomputed());
        }
      }
      await settleAndCompare();
      await completeFindings(db.dataSource, log);
      const rows = await stored();
      expect(rows).toEqual(await wholeRecomputed());
      for (const r of rows) if (r.vendor_id.startsWith(prefix)) roundCodes.add(r.code);
    },
  );

  it('should undo a finding given by a state in between when the agreement is signed back before its round', async () => {
    // A round evaluates with the read models as they are, which may hold entries past its
    // end: here the disclosure's round sees the agreement's second signing (which no longer
    // covers it) and gives it NO_AGREEMENT. A third signing then restores the first period.
    // The round of the two signings starts from the first and ends like it: only the step
    // through the second one tells that the disclosure's finding must go.
    const vendor = 'vnd-between';
    const agreementId = 'agr-between';
    const later = new DirectRecorder(db.dataSource, testSettings(), 20, 'later');
    const round = (max: number): Promise<{ evaluated: number }> =>
      db.dataSource.transaction('READ COMMITTED', (m) => catchUpFindings(m, log, max));
    const signed = (effectiveFrom: string, time: string): object =>
      agreementSigned(agreementId, vendor, { effectiveFrom }, ['RESEARCH'], false, time);
    const disclosed = disclosure(
      'dsc-between',
      vendor,
      { studyInstanceUid: '1.3.97.1' },
      'RESEARCH',
      'IRB_WAIVER',
      instant(5, 'noon'),
    );
    const findingsOfDisclosure = async (): Promise<string[]> =>
      (await stored())
        .filter((r) => r.event_id === (disclosed as { id: string }).id)
        .map((r) => r.code);

    await later.record([signed(day(0), instant(1, 'noon'))]);
    await completeFindings(db.dataSource, log);
    await later.record([disclosed, signed(day(10), instant(2, 'noon'))]);
    expect((await round(1)).evaluated).toBe(1); // the disclosure alone, the signing read ahead
    expect(await findingsOfDisclosure()).toEqual(['NO_AGREEMENT']);
    await later.record([signed(day(0), instant(3, 'noon'))]);
    await completeFindings(db.dataSource, log);
    expect(await findingsOfDisclosure()).toEqual([]);
    expect(await stored()).toEqual(await wholeRecomputed());
  });

  it('should give every member its NO_AGREEMENT when a study seed of one member meets the termination in its round', async () => {
    // A round whose entries seed one member's findings (here its registration) evaluates
    // that member's family whole, agreement findings included, and writes that member's
    // rows only: a dataset disclosure that the same round's termination leaves uncovered
    // then holds NO_AGREEMENT on that member alone when the agreement pass reads it. Its
    // stored detail is the new verdict's, yet the other members have no row.
    const vendor = 'vnd-partial';
    const agreementId = 'agr-partial';
    const members = ['1.3.96.1', '1.3.96.2'];
    const dataset = 'ds-partial';
    const later = new DirectRecorder(db.dataSource, testSettings(), 21, 'later');
    const disclosed = disclosure(
      'dsc-partial',
      vendor,
      { datasetId: dataset },
      'RESEARCH',
      'IRB_WAIVER',
      instant(5, 'noon'),
    );
    await later.record([
      cloudEvent(
        'org.scantrail.dataset.assembled',
        exampleData('org.scantrail.dataset.assembled', {
          datasetId: dataset,
          studyInstanceUids: members,
        }),
        { time: instant(1, 'noon') },
      ),
      agreementSigned(
        agreementId,
        vendor,
        { effectiveFrom: day(0) },
        ['RESEARCH'],
        false,
        instant(1, 'noon'),
      ),
      disclosed,
    ]);
    await completeFindings(db.dataSource, log);
    // One round: the first member registered (its family evaluated whole) and the
    // agreement terminated before the disclosure.
    const world = new RandomWorld(96, 'partial');
    world.registered(members[0], world.patients(1)[0], 'ACC-partial', instant(0, 'noon'));
    await later.record([...world.events, agreementTerminated(agreementId, instant(3, 'noon'))]);
    await completeFindings(db.dataSource, log);
    const rows = await stored();
    expect(
      rows
        .filter((r) => r.event_id === (disclosed as { id: string }).id)
        .map((r) => `${r.code} ${r.study_uid}`)
        .sort(),
    ).toEqual(members.map((m) => `NO_AGREEMENT ${m}`));
    expect(rows).toEqual(await wholeRecomputed());
  });

  it('should have met the agreement cases (the worlds are not trivial)', () => {
    expect([...roundCodes]).toEqual(
      expect.arrayContaining(['NO_AGREEMENT', 'UNAUTHORIZED_ONWARD_TRANSFER']),
    );
    const seen = (text: string): boolean => [...details].some((d) => d.includes(text));
    expect(seen('takes effect only on')).toBe(true);
    expect(seen('was terminated on')).toBe(true);
    expect(seen('expired on')).toBe(true);
    expect(seen('do not grant this')).toBe(true);
  });

  it('should follow one agreement signed late, signed again with other periods, and terminated', async () => {
    const vendor = 'vnd-bounds';
    const receiver = 'vnd-bounds-receiver';
    const study = '1.3.99.1';
    const agreementId = 'agr-bounds';
    const disclosed = {
      before: instant(9, 'last'), // one millisecond before the period [day 10, day 20] opens
      first: instant(10, 'first'), // its first millisecond
      terminated: instant(15, 'first'), // the instant it is terminated at (last step)
      last: instant(20, 'last'), // its last millisecond (a date closes at 23:59:59.999Z)
      after: instant(21, 'first'), // one millisecond after it
    };
    type Name = keyof typeof disclosed;
    const events = Object.entries(disclosed).map(([name, time]) =>
      disclosure(
        `dsc-${name}`,
        vendor,
        { studyInstanceUid: study },
        'AI_TRAINING',
        'IRB_WAIVER',
        time,
      ),
    );
    // A transfer out of the vendor just after the period: the sender's agreement decides it.
    const transfer = cloudEvent(
      'org.scantrail.transfer.onward',
      {
        transferId: 'trf-after',
        fromVendorId: vendor,
        toVendorId: receiver,
        target: { studyInstanceUid: study },
        purpose: 'AI_TRAINING',
      },
      { time: disclosed.after },
    );
    const idOf = (e: object): string => (e as { id: string }).id;
    const findingsOf = async (code: string): Promise<string[]> => {
      const rows = await stored();
      expect(rows).toEqual(await wholeRecomputed());
      return rows
        .filter((r) => r.vendor_id === vendor && r.code === code)
        .map((r) => r.event_id)
        .sort();
    };
    const expectFindings = async (names: Name[], transferFlagged: boolean): Promise<void> => {
      expect(await findingsOf('NO_AGREEMENT')).toEqual(
        names.map((n) => idOf(events[Object.keys(disclosed).indexOf(n)])).sort(),
      );
      expect(await findingsOf('UNAUTHORIZED_ONWARD_TRANSFER')).toEqual(
        transferFlagged ? [idOf(transfer)] : [],
      );
    };
    const signed = (period: { effectiveFrom: string; expiresAt?: string }, time: string): object =>
      agreementSigned(agreementId, vendor, period, ['AI_TRAINING'], true, time);

    await recorder.record([
      ...events,
      transfer,
      agreementSigned(
        'agr-receiver',
        receiver,
        { effectiveFrom: day(0) },
        ['AI_TRAINING'],
        false,
        instant(0, 'noon'),
      ),
    ]);
    await expectFindings(['before', 'first', 'terminated', 'last', 'after'], true);

    // Signed after the disclosures, for a period that began before them.
    await recorder.record([
      signed({ effectiveFrom: day(10), expiresAt: day(20) }, instant(25, 'noon')),
    ]);
    await expectFindings(['before', 'after'], true);

    // Signed again (a later event) from an earlier day, without an end: it serves them all.
    await recorder.record([signed({ effectiveFrom: day(9) }, instant(26, 'noon'))]);
    await expectFindings([], false);

    // And again for the first period: the disclosures just outside it, which held no
    // finding, need one again.
    await recorder.record([
      signed({ effectiveFrom: day(10), expiresAt: day(20) }, instant(27, 'noon')),
    ]);
    await expectFindings(['before', 'after'], true);

    // Terminated inside the period: from that instant on it no longer serves.
    await recorder.record([agreementTerminated(agreementId, disclosed.terminated)]);
    await expectFindings(['before', 'terminated', 'last', 'after'], true);

    // An older version arriving last changes nothing: the latest by time wins.
    await recorder.record([
      signed({ effectiveFrom: day(12), expiresAt: day(13) }, instant(24, 'noon')),
    ]);
    await expectFindings(['before', 'terminated', 'last', 'after'], true);
  });

  it('should give a dataset disclosure its finding on every member when a new period of its recipient’s agreement no longer covers it', async () => {
    const vendor = 'vnd-members';
    const agreementId = 'agr-members';
    const members = ['1.3.98.1', '1.3.98.2', '1.3.98.3'];
    const dataset = 'ds-members';
    const assembled = cloudEvent(
      'org.scantrail.dataset.assembled',
      exampleData('org.scantrail.dataset.assembled', {
        datasetId: dataset,
        studyInstanceUids: members,
      }),
      { time: instant(1, 'noon') },
    );
    const disclosed = disclosure(
      'dsc-members',
      vendor,
      { datasetId: dataset },
      'RESEARCH',
      'IRB_WAIVER',
      instant(5, 'noon'),
    );
    const findingsOfDisclosure = async (): Promise<string[]> => {
      const rows = await stored();
      expect(rows).toEqual(await wholeRecomputed());
      return rows
        .filter((r) => r.event_id === (disclosed as { id: string }).id)
        .map((r) => `${r.code} ${r.study_uid}`)
        .sort();
    };
    const signed = (effectiveFrom: string, time: string): object =>
      agreementSigned(agreementId, vendor, { effectiveFrom }, ['RESEARCH'], false, time);

    await recorder.record([assembled, disclosed, signed(day(0), instant(2, 'noon'))]);
    expect(await findingsOfDisclosure()).toEqual([]);
    // Signed again from a later day: the disclosure is no longer served, on each member.
    await recorder.record([signed(day(10), instant(6, 'noon'))]);
    expect(await findingsOfDisclosure()).toEqual(members.map((m) => `NO_AGREEMENT ${m}`));
    // And back: the findings go again.
    await recorder.record([signed(day(3), instant(7, 'noon'))]);
    expect(await findingsOfDisclosure()).toEqual([]);
  });
});
