import { sqlFiles } from '@scantrail/storage';
import { statementText } from './statement-text';

const files = sqlFiles(__dirname);
const texts = new Map<string, string>();

/**
 * The read side's hot queries, as reviewed .sql files beside this module, each as the
 * text sent to PostgreSQL (statementText: without the comments), made once per file.
 */
export function readSql(name: string): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = statementText(files(name));
    texts.set(name, text);
  }
  return text;
}
