// What Kafka no longer held when the ingest came to read it, in words an auditor or a privacy
// officer acts on: where, what happened, what to do. Pure, so it is unit-tested.

/** The fields of a kept gap these words need (the API's IngestGap). */
export interface GapFacts {
  kind: string;
  cause: string;
  partition: number;
  fromOffset: string;
  toOffset: string;
  count: number;
}

export interface GapExplained {
  where: string;
  happened: string;
  todo: string;
}

/** An offset with thousands separators (Kafka's are 64-bit: past a double's exact range). */
export function formatOffset(offset: string): string {
  return /^\d+$/.test(offset) ? BigInt(offset).toLocaleString('en-US') : offset;
}

const messages = (n: number): string => `${n.toLocaleString('en-US')} message${n === 1 ? '' : 's'}`;

const REPUBLISH =
  'Have the source system (the producer of these events) re-send what it published to this partition in that time. The events’ ids make a republish harmless: what the ledger already holds is dropped as a duplicate, and only the missing events are recorded.';

export function explainGap(gap: GapFacts): GapExplained {
  if (gap.kind === 'MESSAGES_LOST') {
    const last = /^\d+$/.test(gap.toOffset) ? (BigInt(gap.toOffset) - 1n).toString() : gap.toOffset;
    return {
      where: `Partition ${gap.partition}, offsets ${formatOffset(gap.fromOffset)} to ${formatOffset(last)}`,
      happened: `${messages(gap.count)} ${gap.count === 1 ? 'was' : 'were'} deleted in Kafka before the ingest read ${gap.count === 1 ? 'it' : 'them'} (kept for less time than the ingest was behind, or deleted by hand): ${gap.count === 1 ? 'its event is' : 'their events are'} not in the ledger.`,
      todo: REPUBLISH,
    };
  }
  const where = `Partition ${gap.partition}, read again from offset ${formatOffset(gap.toOffset)} (it stood at ${formatOffset(gap.fromOffset)})`;
  const again =
    'so the ingest read the partition again from its start; what it had recorded came back as duplicates, and nothing was lost of what Kafka still held.';
  if (gap.cause === 'record_changed') {
    return {
      where,
      happened: `Another record stood where the ingest had stopped (the topic was deleted, created again and grew past that point), ${again}`,
      todo: 'Nothing to do if the topic was created again on purpose. If not, find out who deleted it, and have the source system re-send what it published before then.',
    };
  }
  return {
    where,
    happened: `The partition’s log ended before where the ingest had stopped (the topic was deleted and created again, or its log cut short), ${again} Events the old log held past that point, if any, went with it.`,
    todo: 'Nothing to do if the topic was created again on purpose. If not, find out who deleted it, and have the source system re-send what it published before then.',
  };
}

/** The overview's sentence: how many messages, on how many partitions. */
export function lossSummary(losses: readonly GapFacts[], more: boolean): string {
  const total = losses.reduce((sum, gap) => sum + gap.count, 0);
  const partitions = new Set(losses.map((gap) => gap.partition)).size;
  return `${more ? 'At least ' : ''}${messages(total)} on ${partitions} partition${partitions === 1 ? '' : 's'}`;
}
