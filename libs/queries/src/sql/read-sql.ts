import { sqlFiles } from '@scantrail/storage';

/** The read side's hot queries, as reviewed .sql files beside this module. */
export const readSql = sqlFiles(__dirname);
