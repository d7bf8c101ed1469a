// The app finds PII in the warehouse by column name, so a dbt model that renames a PII column must
// say so in DERIVED_PII. This reads every model's SQL for `<pii column> ... as <new name>` and fails
// on a new name that is neither masked nor one of the model outputs that carry no value of it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContracts } from './load.ts';
import { DERIVED_PII, maskedColumnNames, MASKED_PII } from './pii.ts';

const DBT = join(import.meta.dirname, '..', '..', 'dbt');
/** outputs computed from a PII column that hold none of its values: surrogate-key hashes, ranks and window results partitioned by member_id */
const NOT_VALUES = new Set(['member_version_key', 'member_day_key', 'member_month_key', 'paid_rank', 'member_months', 'utilizing_member_months', 'member_responsibility_amount', 'state_number', 'next_updated_at']);

function sqlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sqlFiles(p) : p.endsWith('.sql') ? [p] : [];
  });
}

describe('PII names', () => {
  it('masks the direct and quasi columns of the contracts, with member_id as a key', () => {
    const names = maskedColumnNames(loadContracts());
    expect([...MASKED_PII].sort()).toEqual(['direct', 'quasi']);
    expect(names.get('member_id')).toMatchObject({ tag: 'direct', key: true });
    expect(names.get('first_name')).toMatchObject({ tag: 'direct', key: false });
    expect(names.get('zip')).toMatchObject({ tag: 'quasi' });
    expect(names.has('primary_diagnosis_code')).toBe(false);
    expect(names.has('provider_name')).toBe(false);
  });

  it('knows every name a dbt model gives a PII column', () => {
    const masked = maskedColumnNames(loadContracts());
    const sources = [...masked.keys()].filter((n) => !DERIVED_PII.some((d) => d.name === n));
    const renamed: string[] = [];
    for (const file of [...sqlFiles(join(DBT, 'models')), ...sqlFiles(join(DBT, 'snapshots'))]) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const alias = /\bas\s+([a-z_][a-z0-9_]*)\s*,?\s*$/i.exec(line)?.[1]?.toLowerCase();
        if (!alias || masked.has(alias) || NOT_VALUES.has(alias)) continue;
        const used = sources.filter((c) => new RegExp(`\\b${c}\\b`, 'i').test(line.slice(0, line.lastIndexOf(' as ')) || line));
        if (used.length) renamed.push(`${file.slice(DBT.length + 1)}: ${used.join(', ')} as ${alias}`);
      }
    }
    expect(renamed).toEqual([]);
  });
});
