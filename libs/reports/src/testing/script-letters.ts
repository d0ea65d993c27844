import type { LetterJob } from '../letters/letter-job';
import { exampleAccountingReport } from './accounting-report.example';
import { exampleBreachReport } from './breach-report.example';
import { exampleDeletionRequestReport } from './deletion-request-report.example';
import { SCRIPT_SAMPLES } from './script-samples';

/**
 * Every letter naming vendors in every script of SCRIPT_SAMPLES: the accounting letter and
 * the deletion letter naming all of them, and a breach summary per script. Together they
 * draw with every fallback font, Arabic shaping and right-to-left runs.
 */
export function scriptLetterJobs(): { name: string; job: LetterJob; script?: string }[] {
  const accounting = exampleAccountingReport(1);
  const [first] = accounting.entries;
  return [
    {
      name: 'accounting letter',
      job: {
        kind: 'accounting',
        report: {
          ...accounting,
          entries: SCRIPT_SAMPLES.map((sample, i) => ({
            ...first,
            ledgerSequence: 100 + i,
            recipientName: sample.name,
            recipientAddress: sample.address,
          })),
        },
      },
    },
    {
      name: 'deletion letter',
      job: {
        kind: 'deletion-request',
        report: exampleDeletionRequestReport(
          SCRIPT_SAMPLES.map((s, i) => ({
            vendorId: `vnd-${i}`,
            studyInstanceUid: `1.2.826.0.1.${i}`,
            name: s.name,
            address: s.address,
          })),
          { legalGround: 'RGPD art. 17, droit à l’effacement' },
        ),
      },
    },
    ...SCRIPT_SAMPLES.map((s) => ({
      name: `breach summary (${s.script})`,
      script: s.script,
      job: {
        kind: 'breach-summary' as const,
        report: exampleBreachReport(s.name, `Bucket of ${s.address}`),
      },
    })),
  ];
}

/**
 * A letter's bytes without what differs between two drawings of the same report: the
 * moment PDFKit was asked (CreationDate, which the patient-rights letters take from the
 * clock) and the file id made from it.
 */
export function withoutDrawingTime(pdf: Buffer): string {
  return pdf
    .toString('latin1')
    .replace(/\n\(D:\d{14}Z\)\n/, '\n(D:)\n')
    .replace(/\/ID \[<[0-9a-f]{32}> <[0-9a-f]{32}>\]/, '/ID []');
}
