// How a masked PII value is shown: a key (member_id) as its stable pseudonym, a date as its year
// (`1984-••-••`), a ZIP code by its first three digits (`972••`), anything else as `•••`; a bookkeeping column that holds a whole source row as JSON
// (quarantine.original_values) keeps its other fields and masks the PII ones. Nulls stay null: that a
// value is missing is no personal data. Columns are found by name, case-insensitively (Snowflake
// answers in upper case), in lake files and warehouse relations alike.

import { GENERALISED, maskedColumnNames, ROW_HOLDING_COLUMNS, VALUE_QUOTING_COLUMNS, type MaskedColumn } from '../../contract-loader/pii.ts';
import type { ContractSet } from '../../contract-loader/types.ts';
import type { Json } from '../../warehouse/reader.ts';
import type { Pseudonyms } from './pseudonyms.ts';

export const MASK = '•••';

export type MaskKind = 'pseudonym' | 'hidden' | 'year' | 'zip3' | 'row' | 'detail';

export interface ColumnMask {
  kind: MaskKind;
  column: MaskedColumn | null;
}

export class PiiMasker {
  readonly columns: Map<string, MaskedColumn>;

  constructor(
    contracts: ContractSet,
    readonly pseudonyms: Pseudonyms,
  ) {
    this.columns = maskedColumnNames(contracts);
  }

  /** How a column of this name is masked, or null when it is not personal data. */
  maskOf(name: string): ColumnMask | null {
    const lower = name.toLowerCase();
    if (ROW_HOLDING_COLUMNS.has(lower)) return { kind: 'row', column: null };
    if (VALUE_QUOTING_COLUMNS.has(lower)) return { kind: 'detail', column: null };
    const c = this.columns.get(lower);
    if (!c) return null;
    return { kind: c.key ? 'pseudonym' : c.type === 'date' ? 'year' : (GENERALISED.get(lower) ?? 'hidden'), column: c };
  }

  value(mask: ColumnMask, v: Json): Json {
    if (v === null || v === undefined) return null;
    switch (mask.kind) {
      case 'pseudonym':
        return this.pseudonyms.encode(String(v));
      case 'year': {
        const m = /^(\d{4})-\d{2}-\d{2}/.exec(String(v));
        return m ? `${m[1]}-••-••` : MASK;
      }
      case 'zip3': {
        const m = /^(\d{3})\d{2}$/.exec(String(v).trim());
        return m ? `${m[1]}••` : MASK;
      }
      case 'row':
        return this.rowText(v);
      case 'detail':
        return this.detailText(String(v));
      case 'hidden':
        return MASK;
    }
  }

  /** A quarantine reason: the value it quotes of a PII column is masked; a duplicate's key list (a member's id) is masked whole. */
  private detailText(v: string): string {
    return v
      // "<column> '<value>' is not ..." (the value as it came, quotes and all) or "<column> <value> is above ..."
      .replace(/^([A-Za-z_][A-Za-z0-9_]*) (?:'(.*)'|(\S+))(?= (?:is not|is below|is above|does not|fails|not found))/s, (all, col: string, quoted?: string, bare?: string) => {
        const m = this.maskOf(col);
        if (!m) return all;
        const shown = String(this.value(m, quoted ?? bare ?? ''));
        return quoted === undefined ? `${col} ${shown}` : `${col} '${shown}'`;
      })
      .replace(/^key \([^)]*\)/, `key (${MASK})`);
  }

  /** A whole source row as JSON text, its PII fields masked; text that is not a JSON object is masked whole. */
  private rowText(v: Json): Json {
    let row: unknown;
    try {
      row = typeof v === 'string' ? JSON.parse(v) : v;
    } catch {
      return MASK;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) return MASK;
    const out: Record<string, Json> = {};
    for (const [k, val] of Object.entries(row as Record<string, Json>)) {
      const m = this.maskOf(k);
      out[k] = m ? (m.kind === 'row' ? MASK : this.value(m, val)) : val;
    }
    return typeof v === 'string' ? JSON.stringify(out) : out;
  }
}
