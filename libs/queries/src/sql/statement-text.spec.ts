import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { statementText } from './statement-text';

describe('statementText', () => {
  it.each([
    ['-- a comment\nSELECT 1', 'SELECT 1'],
    ['SELECT a,  -- why\n       b\n  FROM t', 'SELECT a,\nb\nFROM t'],
    ['SELECT 1--tight\n', 'SELECT 1'],
    ["SELECT '-- not a comment', 'it''s'", "SELECT '-- not a comment', 'it''s'"],
    ["SELECT 'two\n  lines  kept'", "SELECT 'two\n  lines  kept'"],
    ['SELECT "odd--name" FROM t', 'SELECT "odd--name" FROM t'],
    ["-- the study's label\nSELECT x\n\n\n  FROM t  ", 'SELECT x\nFROM t'],
    ['SELECT $1::text,\t$2', 'SELECT $1::text, $2'],
    ["SELECT 'DISCLOSURE' AS kind, x ELSE'b'", "SELECT 'DISCLOSURE' AS kind, x ELSE'b'"],
  ])('should send %j as %j', (sql, sent) => {
    expect(statementText(sql)).toBe(sent);
  });

  it.each([
    ['SELECT /* c */ 1'],
    ['SELECT $$text$$'],
    ['SELECT $q$text$q$'],
    ["SELECT E'it\\'s'"],
    ["SELECT 'open"],
  ])('should refuse %j rather than guess where it ends', (sql) => {
    expect(() => statementText(sql)).toThrow(/statementText/);
  });

  it('should keep every token of each read statement beside it and drop only comments', () => {
    const dir = __dirname;
    const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const sql = readFileSync(join(dir, file), 'utf8');
      const withoutComments = sql
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n');
      const tokens = (text: string): string[] => text.split(/\s+/).filter((t) => t !== '');
      const sent = statementText(sql);
      expect(tokens(sent)).toEqual(tokens(withoutComments));
      expect(sent).not.toMatch(/--/);
      expect(sent.length).toBeLessThan(sql.length);
    }
  });
});
