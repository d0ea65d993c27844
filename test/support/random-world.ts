import type { Target } from '@scantrail/contract';
import { cloudEvent, exampleData } from '@scantrail/contract/testing';
import { SeededRandom } from '@scantrail/demo';

/**
 * The pieces the medium tier's random worlds are built from (breach-holdings,
 * kept-statistics): a seeded source of choices, hours of 1 January 2025, and the events
 * each world writes in its own mix. Each test keeps its own story (how many of what, which
 * times, in which order); only the lines that were the same in both live here.
 */
export class RandomWorld {
  readonly events: object[] = [];
  private readonly seeded: SeededRandom;

  constructor(
    seed: number,
    /** Prefixes every id the world makes, so worlds recorded into one database never meet. */
    readonly prefix: string,
  ) {
    this.seeded = new SeededRandom(seed);
  }

  // Arrow properties, so that a test can take them apart: `const { int, pick } = world`.
  readonly random = (): number => this.seeded.next();

  readonly int = (n: number): number => Math.floor(this.random() * n);

  readonly pick = <T>(items: readonly T[]): T => items[this.int(items.length)];

  /** An ISO instant `h` whole hours after 2025-01-01T00:00Z (coarse, so that events tie). */
  readonly hour = (h: number): string => new Date(Date.UTC(2025, 0, 1, h)).toISOString();

  /** `count` patients of one MRN system, each with an id of this world. */
  patients(count: number): { system: string; value: string }[] {
    return Array.from({ length: count }, (_, i) => ({
      system: 'urn:oid:2.16.840.1.113883.3.7',
      value: `MRN-${this.prefix}-${i}`,
    }));
  }

  registered(
    studyInstanceUid: string,
    patient: { system: string; value: string },
    accessionNumber: string,
    time: string,
  ): void {
    this.events.push(
      cloudEvent(
        'org.scantrail.study.registered',
        exampleData('org.scantrail.study.registered', {
          studyInstanceUid,
          patient,
          accessionNumber,
        }),
        { time },
      ),
    );
  }

  deidentified(source: string, derived: string, methodCodes: string[], time: string): void {
    this.events.push(
      cloudEvent(
        'org.scantrail.study.deidentified',
        exampleData('org.scantrail.study.deidentified', {
          sourceStudyInstanceUid: source,
          derivedStudyInstanceUid: derived,
          methodCodes,
        }),
        { time },
      ),
    );
  }

  /**
   * Each dataset assembled twice, of three studies picked each time: members added later
   * are carried only by later events.
   */
  datasetsAssembledTwice(
    datasetIds: readonly string[],
    studies: readonly string[],
    time: () => string,
  ): void {
    for (const datasetId of datasetIds) {
      for (let k = 0; k < 2; k++) {
        this.events.push(
          cloudEvent(
            'org.scantrail.dataset.assembled',
            exampleData('org.scantrail.dataset.assembled', {
              datasetId,
              studyInstanceUids: Array.from({ length: 3 }, () => this.pick(studies)),
            }),
            { time: time() },
          ),
        );
      }
    }
  }

  disclosure(i: number, recipientVendorId: string, target: Target, time: string): void {
    this.events.push(
      cloudEvent(
        'org.scantrail.disclosure.recorded',
        exampleData('org.scantrail.disclosure.recorded', {
          disclosureId: `dsc-${this.prefix}-${i}`,
          recipientVendorId,
          target,
        }),
        { time },
      ),
    );
  }

  transfer(
    i: number,
    fromVendorId: string,
    toVendorId: string,
    target: Target,
    time: string,
  ): void {
    this.events.push(
      cloudEvent(
        'org.scantrail.transfer.onward',
        {
          transferId: `trf-${this.prefix}-${i}`,
          fromVendorId,
          toVendorId,
          target,
          purpose: 'AI_TRAINING',
        },
        { time },
      ),
    );
  }

  /** The events in a random order: late facts reach the projection after what they change. */
  shuffled(): object[] {
    const events = this.events;
    for (let i = events.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [events[i], events[j]] = [events[j], events[i]];
    }
    return events;
  }
}
