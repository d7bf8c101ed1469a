import type { DuckDBConnection } from '@duckdb/node-api';
import { join } from 'node:path';
import { duckdbType } from './load.ts';
import type { Contract, ContractSet } from './types.ts';
import { ident, literal, literalList } from '../duckdb/sql.ts';

function referenceFile(set: ContractSet, c: Contract): string {
  if (!c.source.file) throw new Error(`Reference contract ${c.dataset} has no source.file`);
  return join(set.dir, c.source.file);
}

/** SQL reading a reference code set with its contract's types. */
function readReferenceSql(set: ContractSet, c: Contract): string {
  const columns = c.columns.map((col) => `${literal(col.name)}: ${literal(duckdbType(col.type))}`).join(', ');
  return `read_csv(${literal(referenceFile(set, c))}, header = true, delim = ${literal(c.source.delimiter)}, quote = '"', escape = '"', columns = {${columns}}, auto_detect = false)`;
}

/**
 * Creates table `<schema>.<dataset>` for every reference code set and checks each against its
 * contract (keys unique and present, allowed values, patterns). Throws naming the file and row.
 */
export async function loadReferenceTables(conn: DuckDBConnection, set: ContractSet, schema = 'main'): Promise<void> {
  for (const c of set.references) {
    const table = `${ident(schema)}.${ident(c.dataset)}`;
    const file = referenceFile(set, c);
    try {
      await conn.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${readReferenceSql(set, c)}`);
    } catch (err) {
      throw new Error(`Reference code set ${file} does not match its contract ${c.dataset}.yaml: ${(err as Error).message}`);
    }
    const problems: string[] = [];
    const pk = c.primary_key.map(ident).join(', ');
    const dup = await conn.runAndReadAll(`SELECT ${pk} FROM ${table} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`);
    if (dup.currentRowCount > 0) problems.push(`duplicate key ${JSON.stringify(dup.getRowObjectsJson()[0])}`);
    for (const col of c.columns) {
      const checks: string[] = [];
      if (!col.nullable) checks.push(`${ident(col.name)} IS NULL`);
      if (col.allowed_values) checks.push(`${ident(col.name)}::VARCHAR NOT IN (SELECT unnest(${literalList(col.allowed_values)}))`);
      if (col.pattern) checks.push(`NOT regexp_full_match(${ident(col.name)}::VARCHAR, ${literal(col.pattern)})`);
      if (typeof col.min === 'number') checks.push(`${ident(col.name)} < ${col.min}`);
      if (typeof col.max === 'number') checks.push(`${ident(col.name)} > ${col.max}`);
      if (!checks.length) continue;
      const bad = await conn.runAndReadAll(
        `SELECT row_number() OVER () + 1 AS line, ${ident(col.name)}::VARCHAR AS value, ${checks.map((x) => `coalesce(${x}, true)`).join(' OR ')} AS bad FROM ${table} QUALIFY bad LIMIT 1`,
      );
      if (bad.currentRowCount > 0) {
        const row = bad.getRowObjectsJson()[0]!;
        problems.push(`line ${String(row.line)}: column ${col.name} has invalid value ${JSON.stringify(row.value)}`);
      }
    }
    if (problems.length) throw new Error(`Reference code set ${file} breaks its contract ${c.dataset}.yaml: ${problems.join('; ')}`);
  }
}
