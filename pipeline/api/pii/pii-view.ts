// What one caller may see of PII: the service hands every response that carries row values through
// here, with the caller's reveal state. Masked, it masks values by column name (masking.ts), refuses
// filters and sorts that would test a masked value (a filter `first_name = 'Ann'` would answer
// whether someone is Ann), turns a pseudonym in a filter or an id back into the value, and holds the
// console to the masked-query rule (console-rule.ts). Revealed, everything passes as it is.

import { ROW_HOLDING_COLUMNS } from '../../contract-loader/pii.ts';
import { UserQueryError, type ColumnInfo, type ColumnProfile, type Filter, type Json, type SortKey } from '../../warehouse/reader.ts';
import { ApiError } from '../errors.ts';
import type { Dashboard, HistoryTimeline, HistoryVersion, PageResult, SqlResult } from '../protocol.ts';
import { checkMaskedQuery } from './console-rule.ts';
import { MASK, type ColumnMask, type PiiMasker } from './masking.ts';
import { Pseudonyms } from './pseudonyms.ts';

const REVEAL_HINT = 'Reveal PII for this session (Reveal PII in the top bar) to filter, sort or search on it.';

/** A column name as a result carries it, also when an engine made it unique (`member_id_1`, `member_id:1`). */
const baseName = (name: string) => name.replace(/[_:]\d+$/, '');

export class PiiView {
  constructor(
    private readonly masker: PiiMasker,
    readonly masked: boolean,
  ) {}

  private maskOf(name: string): ColumnMask | null {
    return this.masker.maskOf(name) ?? this.masker.maskOf(baseName(name));
  }

  /** The request's filters with pseudonyms turned back into values; a test of a masked value is refused. */
  filters(filters: Filter[] | undefined, path = 'filters'): Filter[] | undefined {
    if (!this.masked || !filters) return filters;
    return filters.map((f, i) => {
      const m = this.maskOf(f.column);
      if (!m || f.op === 'null' || f.op === 'notnull') return f;
      if (m.kind === 'pseudonym' && (f.op === 'eq' || f.op === 'neq')) {
        const value = this.masker.pseudonyms.decode(String(f.value ?? ''));
        if (value === null) {
          throw new ApiError('invalid_request', `${f.column} is shown as a pseudonym while PII is masked: filter by a value shown in the grid (it starts with P).`, {
            details: [{ path: `${path}.${i}.value`, message: 'not a pseudonym of this workspace' }],
            hint: REVEAL_HINT,
          });
        }
        return { ...f, value };
      }
      throw new ApiError('invalid_request', `${f.column} is personal data and masked in this session: it can only be filtered for empty or not empty${m.kind === 'pseudonym' ? ', or equal to a shown pseudonym' : ''}.`, {
        details: [{ path: `${path}.${i}.column`, message: 'masked PII column' }],
        hint: REVEAL_HINT,
      });
    });
  }

  /** Sorting by a masked value would give its order away; a pseudonymised key sorts by the id, which says nothing. */
  sort(sort: SortKey[] | undefined): SortKey[] | undefined {
    if (!this.masked || !sort) return sort;
    sort.forEach((s, i) => {
      const m = this.maskOf(s.column);
      if (m && m.kind !== 'pseudonym') {
        throw new ApiError('invalid_request', `${s.column} is personal data and masked in this session: it cannot be sorted on.`, { details: [{ path: `sort.${i}.column`, message: 'masked PII column' }], hint: REVEAL_HINT });
      }
    });
    return sort;
  }

  columns(columns: ColumnInfo[]): ColumnInfo[] {
    if (!this.masked) return columns;
    return columns.map((c) => (this.maskOf(c.name) ? { ...c, masked: true } : c));
  }

  rows(columns: ColumnInfo[], rows: Json[][]): Json[][] {
    if (!this.masked) return rows;
    const masks = columns.map((c) => this.maskOf(c.name));
    if (masks.every((m) => m === null)) return rows;
    return rows.map((r) => r.map((v, i) => (masks[i] ? this.masker.value(masks[i]!, v) : v)));
  }

  page(p: PageResult): PageResult {
    return this.masked ? { ...p, columns: this.columns(p.columns), rows: this.rows(p.columns, p.rows) } : p;
  }

  /** A masked column's profile keeps its counts; its values (top, min, max, histogram) go, a pseudonymised key's top values show as pseudonyms. */
  profile(p: ColumnProfile): ColumnProfile {
    const m = this.masked ? this.maskOf(p.column) : null;
    if (!m) return p;
    const top = m.kind === 'pseudonym' ? p.top.map((t) => ({ value: this.masker.value(m, t.value), count: t.count })) : [];
    return { ...p, min: null, max: null, top, histogram: null, histogramSampled: false, masked: true };
  }

  /** The console: while masked, a query is held to the masked-query rule before it runs. */
  checkConsole(sql: string): void {
    if (this.masked) checkMaskedQuery(sql, new Set([...this.masker.columns.keys(), ...ROW_HOLDING_COLUMNS]));
  }

  /** A dbt test's query while masked: held to the console's rule, refused with the test's name and the rule it breaks. */
  checkTestQuery(sql: string, test: string): void {
    try {
      this.checkConsole(sql);
    } catch (err) {
      if (!(err instanceof UserQueryError)) throw err;
      throw new ApiError('unavailable', `The failing rows of ${test} stay hidden while PII is masked: ${err.message.replace(/^PII is masked in this session: /, 'its query says ')}`, {
        hint: 'Reveal PII for this session (Reveal PII in the top bar) to read them.',
      });
    }
  }

  sqlResult<T extends SqlResult>(r: T): T {
    return this.masked ? { ...r, columns: this.columns(r.columns), rows: this.rows(r.columns, r.rows) } : r;
  }

  /** A member id as the caller gave it: a pseudonym while masked (anything else is refused), the id itself when revealed. */
  entityId(entity: string, keyColumn: string, id: string): string {
    if (!this.masked || !this.maskOf(keyColumn)) return id;
    const value = this.masker.pseudonyms.decode(id);
    if (value === null) throw new ApiError('invalid_request', `The ${entity} id ${id.slice(0, 40)} is not a pseudonym shown in this session: ids of personal data show as pseudonyms while PII is masked.`, { details: [{ path: 'id', message: 'not a pseudonym of this workspace' }], hint: 'Pick the member from the search results.' });
    return value;
  }

  /** A search text while masked: a shown pseudonym is looked up as its id; any other text would test names. */
  searchText(entity: string, keyColumn: string, labelIsPii: boolean, query: string): string {
    if (!this.masked || !query.trim()) return query;
    const m = this.maskOf(keyColumn);
    if (m?.kind === 'pseudonym' && Pseudonyms.isToken(query.trim())) return this.entityId(entity, keyColumn, query.trim());
    if (labelIsPii || m) {
      throw new ApiError('invalid_request', `Searching ${entity}s by name or id needs PII revealed: while it is masked, paste a ${entity}'s pseudonym (it starts with P) or pick from the list.`, {
        details: [{ path: 'query', message: 'searches masked PII' }],
        hint: REVEAL_HINT,
      });
    }
    return query;
  }

  searchMatches(keyColumn: string, labelIsPii: boolean, matches: { id: string; label: string; versions: number }[]) {
    if (!this.masked) return matches;
    const m = this.maskOf(keyColumn);
    return matches.map((x) => ({ ...x, id: m ? String(this.masker.value(m, x.id)) : x.id, label: labelIsPii ? MASK : x.label }));
  }

  timeline(keyColumn: string, t: HistoryTimeline): HistoryTimeline {
    if (!this.masked) return t;
    const one = (column: string, v: Json) => {
      const m = this.maskOf(column);
      return m ? this.masker.value(m, v) : v;
    };
    const m = this.maskOf(keyColumn);
    const versions: HistoryVersion[] = t.versions.map((v) => ({
      ...v,
      values: Object.fromEntries(Object.entries(v.values).map(([k, val]) => [k, one(k, val)])),
      // a change of a masked value still shows that it changed, not from what to what
      changed: v.changed.map((c) => ({ column: c.column, from: one(c.column, c.from), to: one(c.column, c.to) })),
    }));
    return { ...t, id: m ? String(this.masker.value(m, t.id)) : t.id, versions };
  }

  dashboard(d: Dashboard): Dashboard {
    if (!this.masked) return d;
    const member = this.masker.maskOf('member_id');
    return {
      ...d,
      highCostClaimants: d.highCostClaimants.available && member ? { ...d.highCostClaimants, rows: d.highCostClaimants.rows.map((r) => ({ ...r, memberId: String(this.masker.value(member, r.memberId)) })) } : d.highCostClaimants,
      providerRisk: d.providerRisk.available ? { ...d.providerRisk, columns: this.columns(d.providerRisk.columns), rows: this.rows(d.providerRisk.columns, d.providerRisk.rows) } : d.providerRisk,
    };
  }

  /** Whether the columns a search shows beside the id are personal data. */
  labelIsPii(labelColumns: readonly string[]): boolean {
    return labelColumns.some((c) => this.masker.maskOf(c) !== null);
  }
}
