import { sqlFiles } from '@scantrail/storage';

/** The projection's reviewed .sql files, beside this module. */
export const sql = sqlFiles(__dirname);
