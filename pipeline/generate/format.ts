import type { Contract } from '../contract-loader/types.ts';
import { type DefectChoice, type DefectSpec, type FieldContext, hitsSql, mutateSql } from './dirty.ts';

/** SQL: a value as raw CSV text ('' for NULL). */
export const text = (v: string) => `coalesce(${v}::VARCHAR, '')`;

/** SQL: RFC 4180 quoting for free-text fields that may hold commas or quotes. */
export const quoted = (v: string) =>
  `(CASE WHEN contains(${v}, ',') OR contains(${v}, '"') THEN '"' || replace(${v}, '"', '""') || '"' ELSE ${v} END)`;

/**
 * The raw text of each contract column for a typed row. The contract decides which columns exist
 * and their order; this map only says how the generator renders each one.
 */
export function fieldExpressions(contract: Contract, render: Record<string, string>): string[] {
  return contract.columns.map((c) => {
    const expr = render[c.name];
    if (expr === undefined) {
      throw new Error(`The generator does not know how to produce ${contract.dataset}.${c.name}, which the contract declares. Add it to the generator.`);
    }
    return expr;
  });
}

export interface LineOptions {
  contract: Contract;
  fields: string[];
  specs?: DefectSpec[];
  choice?: DefectChoice;
  context?: Omit<FieldContext, 'value' | 'variant'>;
}

/** SQL: the CSV line of a row, with the row's defect (if any) applied. */
export function lineSql({ contract, fields, specs, choice, context }: LineOptions): string {
  const names = contract.columns.map((c) => c.name);
  if (!specs || !choice) return `concat_ws(',', ${fields.join(', ')})`;
  const mutated = fields.map((f, ci) => {
    const name = names[ci]!;
    const whens = specs
      .map((spec, i) => (spec.columns.includes(name) ? `WHEN ${hitsSql(specs, i, name, choice)} THEN ${mutateSql(spec.kind, name, { ...context, value: f, variant: choice.variant })}` : ''))
      .filter(Boolean);
    return whens.length ? `(CASE ${whens.join(' ')} ELSE ${f} END)` : f;
  });
  const truncate = specs.findIndex((s) => s.kind === 'truncated_row');
  const list = `[${mutated.join(', ')}]`;
  // keep between 2 and n-3 leading fields
  const keep = `(2 + floor(${choice.variant} * ${Math.max(1, names.length - 4)})::INTEGER)`;
  const dirty = truncate < 0 ? `array_to_string(${list}, ',')` : `array_to_string(CASE WHEN ${choice.kind} = ${truncate} THEN ${list}[1:${keep}] ELSE ${list} END, ',')`;
  // most rows are clean: CASE evaluates the per-field defect branches only for the rows that have one
  return `(CASE WHEN ${choice.kind} < 0 THEN concat_ws(',', ${fields.join(', ')}) ELSE ${dirty} END)`;
}
