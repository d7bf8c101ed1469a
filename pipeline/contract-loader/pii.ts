// Which contract columns are personal data that readers must not see in clear, one owner for the
// Snowflake deploy (masking policies on RAW) and the app (which masks itself where the warehouse
// cannot: DuckDB has no masking policies, fakesnow neither).

import type { ContractSet, PiiTag } from './types.ts';

/** The PII tags whose columns are masked for whoever may not see them. */
export const MASKED_PII: ReadonlySet<PiiTag> = new Set<PiiTag>(['direct', 'quasi']);

/** Bookkeeping columns that hold whole source rows, PII included: masked like the tagged columns. */
export const MASKED_EXTRA: ReadonlyArray<{ table: string; column: string }> = [{ table: 'quarantine', column: 'original_values' }];

export interface MaskedColumn {
  name: string;
  tag: PiiTag;
  /** the contract type (date, string, ...) */
  type: string;
  /** a key of its dataset (primary key, or a reference to one): shown as a stable pseudonym so joins and filters by it still work */
  key: boolean;
}

/**
 * Columns of the dbt models that carry a contract's PII under a name of their own (the models'
 * SQL says so: `first_name || ' ' || last_name as full_name`). The warehouse has no tags, so the app
 * finds PII by name; a model that renames a PII column must be listed here.
 */
export const DERIVED_PII: ReadonlyArray<{ name: string; tag: PiiTag; type: string; from: string[] }> = [
  { name: 'full_name', tag: 'direct', type: 'string', from: ['first_name', 'last_name'] },
  { name: 'member_birth_date', tag: 'direct', type: 'date', from: ['birth_date'] },
  { name: 'zip_code', tag: 'quasi', type: 'string', from: ['zip'] },
];

/**
 * Quasi-identifiers shown generalised rather than hidden, as HIPAA's Safe Harbor allows: a ZIP code
 * by its first three digits (`972••`). Dates of any masked column show their year.
 */
export const GENERALISED: ReadonlyMap<string, 'zip3'> = new Map([
  ['zip', 'zip3'],
  ['zip_code', 'zip3'],
]);

/** Every masked column name of the contracts and the models (DERIVED_PII), lower case, with its tag; a name masked in one dataset is masked in all. */
export function maskedColumnNames(contracts: ContractSet): Map<string, MaskedColumn> {
  const keys = new Set(contracts.entities.flatMap((c) => c.primary_key));
  const out = new Map<string, MaskedColumn>();
  for (const c of contracts.entities) {
    for (const col of c.columns) {
      if (!MASKED_PII.has(col.pii)) continue;
      const name = col.name.toLowerCase();
      // a direct tag wins over a quasi one for a name both use
      if (out.get(name)?.tag === 'direct') continue;
      out.set(name, { name, tag: col.pii, type: col.type, key: keys.has(col.name) });
    }
  }
  for (const d of DERIVED_PII) out.set(d.name, { name: d.name, tag: d.tag, type: d.type, key: false });
  return out;
}

/** Column names (lower case) that hold whole source rows as JSON text. */
export const ROW_HOLDING_COLUMNS: ReadonlySet<string> = new Set(MASKED_EXTRA.map((m) => m.column.toLowerCase()));

/**
 * Bookkeeping columns whose text can quote a value (quarantine.reason_detail: "birth_date '1984-13-45'
 * is not a date", "key (M0001) already appears on line 4"): masked where they quote PII.
 */
export const VALUE_QUOTING_COLUMNS: ReadonlySet<string> = new Set(['reason_detail']);
