import {
  ACCOUNTING_CSV_HEADERS,
  csvField,
  neutraliseFormula,
  renderAccountingReportCsv,
} from './accounting-report.csv';
import { exampleAccountingReport } from '../testing/accounting-report.example';

/** A strict RFC 4180 reader, to check what the renderer writes (CRLF records). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i += 1;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i += 1;
          break;
        } else {
          field += text[i];
          i += 1;
        }
      }
    } else if (text[i] === ',') {
      record.push(field);
      field = '';
      i += 1;
    } else if (text.startsWith('\r\n', i)) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      if (text[i] === '\r' || text[i] === '\n') throw new Error(`bare line break at ${i}`);
      field += text[i];
      i += 1;
    }
  }
  if (field !== '' || record.length > 0) throw new Error('last record does not end with CRLF');
  return records;
}

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rlf', '"cr\rlf"'],
    [' spaced ', ' spaced '],
    ['naïve 北京', 'naïve 北京'],
  ])('should write %j as %j when quoting per RFC 4180', (input, expected) => {
    expect(csvField(input)).toBe(expected);
  });
});

describe('neutraliseFormula', () => {
  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+1 555', `'+1 555`],
    ['-2', `'-2`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\tTab', `'\tTab`],
    ['Acme Imaging AI', 'Acme Imaging AI'],
    ['a=b', 'a=b'],
  ])('should turn %j into %j when a spreadsheet would run it', (input, expected) => {
    expect(neutraliseFormula(input)).toBe(expected);
  });
});

describe('renderAccountingReportCsv', () => {
  it('should write a header row and one rectangular record per entry when rendered', () => {
    const report = exampleAccountingReport();
    const records = parseCsv(renderAccountingReportCsv(report));
    expect(records[0]).toEqual(ACCOUNTING_CSV_HEADERS);
    expect(records).toHaveLength(report.entries.length + 1);
    records.forEach((r) => expect(r).toHaveLength(ACCOUNTING_CSV_HEADERS.length));
    const rows = records
      .slice(1)
      .map((r) => Object.fromEntries(r.map((v, i) => [records[0][i], v])));
    expect(rows[1]).toMatchObject({
      date: '2024-06-01T00:00:00.000Z',
      recipient_name: 'Acme Imaging AI',
      recipient_address: '1 Main St, Springfield',
      purpose: 'AI_TRAINING',
      legal_basis: 'DEIDENTIFIED',
      required_in_hipaa_accounting: 'false',
      disclosure_id: 'dsc-1',
      study_instance_uid: '2.25.991',
      ledger_sequence: '23',
      patient_system: 'urn:oid:2.16.840.1.113883.3.7',
      patient_value: 'MRN-004211',
      checkpoint_tree_size: '1042',
      checkpoint_root_hash: report.checkpoint.rootHash,
      verifier_key: report.checkpoint.verifierKey,
    });
    expect(rows.filter((r) => r.required_in_hipaa_accounting === 'true')).toHaveLength(2);
  });

  it('should rebuild the signed note exactly when its columns are joined as documented', () => {
    const report = exampleAccountingReport(1);
    const [header, row] = parseCsv(renderAccountingReportCsv(report));
    const col = (name: string): string => row[header.indexOf(name)];
    const note = `${col('checkpoint_origin')}\n${col('checkpoint_tree_size')}\n${col('checkpoint_root_hash')}\n\n${col('checkpoint_signature')}\n`;
    expect(note).toBe(report.checkpoint.note);
  });

  it('should keep the checkpoint in one row with empty entry columns when there are no entries', () => {
    const report = { ...exampleAccountingReport(), entries: [] };
    const [header, ...rows] = parseCsv(renderAccountingReportCsv(report));
    expect(rows).toHaveLength(1);
    expect(rows[0][header.indexOf('date')]).toBe('');
    expect(rows[0][header.indexOf('ledger_sequence')]).toBe('');
    expect(rows[0][header.indexOf('checkpoint_tree_size')]).toBe('1042');
  });

  it('should quote and neutralise hostile vendor text when an event carried it', () => {
    const report = exampleAccountingReport(1);
    const entry = {
      ...report.entries[0],
      recipientName: '=cmd|" /C calc"!A0',
      recipientAddress: 'Line 1\r\nLine "2", Town',
    };
    const [header, row] = parseCsv(renderAccountingReportCsv({ ...report, entries: [entry] }));
    expect(row[header.indexOf('recipient_name')]).toBe(`'=cmd|" /C calc"!A0`);
    expect(row[header.indexOf('recipient_address')]).toBe('Line 1\r\nLine "2", Town');
  });
});
