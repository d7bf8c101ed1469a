// The console's caps on one result, whichever warehouse streams it: rows are taken one at a time
// and reading stops at the row cap or once the reply would pass the byte cap, so a huge result is
// never held in this process. A value too big for what is left of the budget is cut (text keeps
// its head), and the cut is reported.

import type { Json, UserQueryLimits, UserQueryResult } from './reader.ts';

const jsonBytes = (value: Json) => Buffer.byteLength(JSON.stringify(value));

/** A value cut to fit a byte budget, with its JSON size as the reply will carry it. */
function fit(value: Json, budget: number): { value: Json; bytes: number; cut: boolean } {
  const bytes = jsonBytes(value);
  if (bytes <= budget) return { value, bytes, cut: false };
  if (typeof value !== 'string') return { value: null, bytes: 4, cut: true };
  // keep as much of a long text's head as fits: enough to see what it is
  let keep = Math.max(0, budget - 16);
  let head = `${value.slice(0, keep)}…`;
  for (let tries = 0; tries < 8 && jsonBytes(head) > budget; tries++) {
    keep = Math.max(0, Math.floor((keep * budget) / jsonBytes(head)) - 16);
    head = `${value.slice(0, keep)}…`;
  }
  return { value: head, bytes: jsonBytes(head), cut: true };
}

export class CappedRows {
  readonly rows: Json[][] = [];
  cutBy: UserQueryResult['cutBy'] = null;
  // the reply's `[]`
  private bytes = 2;

  constructor(private readonly limits: Pick<UserQueryLimits, 'maxRows' | 'maxBytes'>) {}

  /** Takes one more row; false when reading must stop (this row may have been refused or cut). */
  take(values: Iterable<Json>): boolean {
    if (this.rows.length === this.limits.maxRows) {
      this.cutBy = 'rows';
      return false;
    }
    const row: Json[] = [];
    // `[]` and the comma after it
    let rowBytes = 3;
    for (const value of values) {
      const f = fit(value, this.limits.maxBytes - this.bytes - rowBytes);
      row.push(f.value);
      rowBytes += f.bytes + 1;
      if (f.cut) this.cutBy = 'bytes';
    }
    this.rows.push(row);
    this.bytes += rowBytes;
    if (this.cutBy === 'bytes' || this.bytes >= this.limits.maxBytes) {
      this.cutBy = 'bytes';
      return false;
    }
    return true;
  }
}
