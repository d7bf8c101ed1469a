// The synthetic world's calendar. Batch 1 is the initial load as of 2025-06-30 with 18 months of
// service history; each later batch is one month further on.

export const HISTORY_START = '2024-01-01';
const FIRST_AS_OF_MONTH = '2025-06-01';
export const HISTORY_MONTHS = 18;

function addMonths(isoMonthStart: string, months: number): Date {
  const [y, m] = isoMonthStart.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + months, 1));
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Last day of batch k's month: the date the batch's extract reflects. */
export function asOfDate(batch: number): string {
  const nextMonth = addMonths(FIRST_AS_OF_MONTH, batch);
  return isoDate(new Date(nextMonth.getTime() - 86_400_000));
}

/** SQL expression: the batch in which a change dated `d` is first extracted. */
export function batchOfSql(d: string): string {
  return `(CASE WHEN ${d} <= DATE '${asOfDate(1)}' THEN 1 ELSE date_diff('month', DATE '${FIRST_AS_OF_MONTH}', ${d}::DATE) + 1 END)`;
}

/** Events (moves, plan changes, terminations) are drawn up to the end of the last possible batch. */
export const HORIZON_END = asOfDate(36);
