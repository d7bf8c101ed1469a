// The masking rules on values as every reader hands them back: Snowflake's upper-case names,
// engines' de-duplicated names, quarantine's JSON rows and reason texts, pseudonyms that decode
// only with their own workspace's key.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadContracts } from '../../contract-loader/load.ts';
import { MASK, PiiMasker } from './masking.ts';
import { PiiView } from './pii-view.ts';
import { Pseudonyms } from './pseudonyms.ts';

const pseudonyms = new Pseudonyms(randomBytes(32));
const masker = new PiiMasker(loadContracts(), pseudonyms);
const masked = new PiiView(masker, true);

describe('masking', () => {
  it('masks by name whatever the case or an engine-made suffix, and leaves other columns alone', () => {
    const columns = ['MEMBER_ID', 'FIRST_NAME', 'Birth_Date', 'member_id_1', 'PLAN_ID', 'STATE'].map((name) => ({ name, type: 'VARCHAR' }));
    const [row] = masked.rows(columns, [['M000000007', 'Ann', '1984-05-22', 'M000000007', 'PLN-1', 'OR']]);
    expect(row![0]).toBe(pseudonyms.encode('M000000007'));
    expect(row![3]).toBe(row![0]);
    expect(row!.slice(1, 3)).toEqual([MASK, '1984-••-••']);
    expect(row![4]).toBe('PLN-1');
    expect(row![5]).toBe(MASK);
    const zip = masker.maskOf('ZIP')!;
    expect([masker.value(zip, '97214'), masker.value(zip, '9721'), masker.value(masker.maskOf('zip_code')!, '10001')]).toEqual(['972••', MASK, '100••']);
    expect(masked.columns(columns).filter((c) => c.masked).map((c) => c.name)).toEqual(['MEMBER_ID', 'FIRST_NAME', 'Birth_Date', 'member_id_1', 'STATE']);
    expect(new PiiView(masker, false).rows(columns, [['M1', 'Ann', 'x', 'M1', 'P', 'OR']])).toEqual([['M1', 'Ann', 'x', 'M1', 'P', 'OR']]);
  });

  it('masks the PII fields of a quarantined row and the values a reason quotes, apostrophes and all', () => {
    const mask = masker.maskOf('original_values')!;
    const shown = JSON.parse(String(masker.value(mask, JSON.stringify({ member_id: 'M1', last_name: "O'Brien", plan_id: 'PLN-1', _extra_1: null })))) as Record<string, unknown>;
    expect(shown).toEqual({ member_id: pseudonyms.encode('M1'), last_name: MASK, plan_id: 'PLN-1', _extra_1: null });
    expect(masker.value(mask, 'not json')).toBe(MASK);
    const detail = masker.maskOf('REASON_DETAIL')!;
    expect(masker.value(detail, "last_name 'O'Brien' is not one of A, B")).toBe(`last_name '${MASK}' is not one of A, B`);
    expect(masker.value(detail, "birth_date '1984-13-45' is not a valid date")).toBe("birth_date '1984-••-••' is not a valid date");
    expect(masker.value(detail, "member_id 'M9' not found in members")).toBe(`member_id '${pseudonyms.encode('M9')}' not found in members`);
    expect(masker.value(detail, "billed_amount 'TBD' is not a decimal")).toBe("billed_amount 'TBD' is not a decimal");
    expect(masker.value(detail, 'key (M000000001) already appears on line 4')).toBe(`key (${MASK}) already appears on line 4`);
  });

  it('decodes a pseudonym only with its own key, and refuses a made-up or altered token', () => {
    const token = pseudonyms.encode('M000000042');
    expect(token).toMatch(/^P[A-Za-z0-9_-]+$/);
    expect(pseudonyms.encode('M000000042')).toBe(token);
    expect(pseudonyms.decode(token)).toBe('M000000042');
    expect(new Pseudonyms(randomBytes(32)).decode(token)).toBeNull();
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(pseudonyms.decode(flipped)).toBeNull();
    expect(pseudonyms.decode('M000000042')).toBeNull();
  });

  it('strips the values of a masked column profile but keeps its counts', () => {
    const p = { column: 'LAST_NAME', type: 'VARCHAR', rows: 10, nulls: 1, distinct: 9, unparseable: 0, min: 'Abbott', max: 'Zulauf', top: [{ value: 'Smith', count: 2 }], histogram: null, histogramSampled: false, ms: 1 };
    expect(masked.profile(p)).toMatchObject({ rows: 10, nulls: 1, distinct: 9, min: null, max: null, top: [], masked: true });
    expect(masked.profile({ ...p, column: 'member_id', top: [{ value: 'M1', count: 3 }] }).top).toEqual([{ value: pseudonyms.encode('M1'), count: 3 }]);
  });
});
