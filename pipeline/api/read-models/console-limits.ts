/** What the SQL console lets one query take (docs/security.md#the-sql-console). */
export const SQL_ROW_CAP = 10_000;
export const SQL_BYTE_CAP = 16 * 1024 * 1024;
export const SQL_TIME_LIMIT_MS = 60_000;
export const SQL_MAX_CONCURRENT = 2;
