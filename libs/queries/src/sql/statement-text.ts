/** A block comment, a dollar quote or an E'' string starts at `i` (none is read here). */
function unsupportedAt(sql: string, i: number): boolean {
  const ch = sql[i];
  if (ch === '/') return sql[i + 1] === '*';
  if (ch === '$') return /^\$[A-Za-z_]*\$/.test(sql.slice(i, i + 64));
  if (ch === 'E' || ch === 'e') return sql[i + 1] === "'" && !/[\w$]/.test(sql[i - 1] ?? '');
  return false;
}

/** Outside quotes: a whitespace run holding a line break becomes one, any other one space. */
const shorten = (text: string): string => text.replace(/\s*\n\s*/g, '\n').replace(/[^\S\n]+/g, ' ');

/**
 * The text PostgreSQL is sent for a reviewed .sql file: its `--` comments removed and the
 * whitespace between tokens shortened, quoted literals and identifiers kept as written. A
 * backend copies a prepared statement's whole text on every Bind and Execute and measures
 * it to report its activity (`pstrdup`, `pgstat_report_activity`: 3-8% of its CPU on
 * trace.sql, bench/HISTORY.md, session 14), so the comments kept for reviewers would cost
 * every request. Block comments, dollar quotes and E'' strings, which these files do not
 * use, are refused rather than half understood.
 */
export function statementText(sql: string): string {
  let out = '';
  let plain = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (ch === "'" || ch === '"') {
      const end = sql.indexOf(ch, i + 1);
      if (end < 0) throw new Error(`statementText: unterminated ${ch} at offset ${i}`);
      out += shorten(plain) + sql.slice(i, end + 1);
      plain = '';
      i = end + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else {
      if (unsupportedAt(sql, i)) {
        throw new Error(
          `statementText: no block comment, dollar quote or E'' string (offset ${i})`,
        );
      }
      plain += ch;
      i++;
    }
  }
  return (out + shorten(plain)).trim();
}
