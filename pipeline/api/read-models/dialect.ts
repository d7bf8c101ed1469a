// The few expressions the read models need that the warehouses spell differently. Everything else
// they write is SQL both DuckDB and Snowflake accept (date_trunc, CAST, median, any_value,
// SELECT * EXCLUDE, NULLS LAST, positional ? parameters).

import { ident as duckdbIdent } from '../../duckdb/sql.ts';
import { ident as snowflakeIdent } from '../../snowflake/names.ts';
import type { SqlDialect } from '../../warehouse/reader.ts';

export interface DialectSql {
  /** 'YYYY-MM' of a date expression */
  monthLabel(expr: string): string;
  /** a column or table name of ours, quoted as the warehouse stores it (Snowflake: upper case) */
  ident(name: string): string;
  /** true when text expression `expr` starts with `prefix` */
  startsWith(expr: string, prefix: string): string;
}

const DIALECTS: Record<SqlDialect, DialectSql> = {
  duckdb: { monthLabel: (e) => `strftime(${e}, '%Y-%m')`, ident: duckdbIdent, startsWith: (e, p) => `starts_with(${e}, ${p})` },
  snowflake: { monthLabel: (e) => `TO_CHAR(${e}, 'YYYY-MM')`, ident: snowflakeIdent, startsWith: (e, p) => `STARTSWITH(${e}, ${p})` },
};

export function dialectSql(dialect: SqlDialect): DialectSql {
  return DIALECTS[dialect];
}
