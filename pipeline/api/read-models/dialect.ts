// The few expressions the read models need that the warehouses spell differently. Everything else
// they write is SQL both DuckDB and Snowflake accept (date_trunc, CAST, median, any_value,
// SELECT * EXCLUDE, NULLS LAST, positional ? parameters).

import type { SqlDialect } from '../../warehouse/reader.ts';

export interface DialectSql {
  /** 'YYYY-MM' of a date expression */
  monthLabel(expr: string): string;
}

const DIALECTS: Record<SqlDialect, DialectSql> = {
  duckdb: { monthLabel: (e) => `strftime(${e}, '%Y-%m')` },
  snowflake: { monthLabel: (e) => `TO_CHAR(${e}, 'YYYY-MM')` },
};

export function dialectSql(dialect: SqlDialect): DialectSql {
  return DIALECTS[dialect];
}
