// The claims dashboard, computed on the marts with the user's date range and plan pushed into every
// query. It reads the marts' fixed columns, which their enforced dbt model contracts guarantee
// (dbt/models/marts/_marts__models.yml): a missing mart means the transform stage has not run, and
// that is the one thing it says. Nothing here re-computes what a mart owns (PMPM is the PMPM mart's).
//
// Speed on 10M claims: the fact table is aggregated first, by the dimension key a breakdown needs
// (hundreds of thousands of groups at most), and only then joined to the dimension; a plan filter
// is a semi-join on the member keys of that plan. Joining 10M fact rows to a dimension costs a
// second or more on two cores; aggregating first costs a few hundred milliseconds.

import type { QueryParam, WarehouseReader } from '../../warehouse/reader.ts';
import type { AnalyticsFilter, AnalyticsOptions, Breakdown, ColumnInfo, Dashboard, Json, KpiSet, Widget } from '../protocol.ts';
import { dialectSql } from './dialect.ts';

/** The marts the dashboard reads; all come from one dbt build. */
const MARTS = ['fct_claims', 'dim_members', 'dim_providers', 'mart_pmpm_monthly', 'mart_provider_risk'] as const;

/** A dimension reached from the fact by the version key valid at the date of service. */
interface Dimension {
  table: string;
  key: string;
}
const MEMBERS: Dimension = { table: 'marts.dim_members', key: 'member_version_key' };
const PROVIDERS: Dimension = { table: 'marts.dim_providers', key: 'provider_version_key' };

/** An attribute of a dimension row (alias d) to break claims down by. */
interface Attribute {
  dim: Dimension;
  value: string;
  label: string;
}
const PLAN: Attribute = { dim: MEMBERS, value: 'd.plan_id', label: 'coalesce(d.plan_name, d.plan_id)' };
const LINE_OF_BUSINESS: Attribute = { dim: MEMBERS, value: 'd.line_of_business', label: 'd.line_of_business' };
const SPECIALTY: Attribute = { dim: PROVIDERS, value: 'd.specialty_code', label: 'coalesce(d.specialty_name, d.specialty_code)' };
const NETWORK: Attribute = { dim: PROVIDERS, value: 'd.network_status', label: 'd.network_status' };

const FCT = 'marts.fct_claims';
/** The sums every widget is made of; denial rates are over adjudicated claims, as the marts count them. */
const MEASURES = `count(*) AS claims, sum(f.billed_amount) AS billed, sum(f.allowed_amount) AS allowed, sum(f.paid_amount) AS paid,
  sum(CASE WHEN f.claim_status = 'denied' THEN 1 ELSE 0 END) AS denied, sum(CASE WHEN f.is_adjudicated THEN 1 ELSE 0 END) AS adjudicated`;
const RESUM = 'sum(claims) AS claims, sum(billed) AS billed, sum(allowed) AS allowed, sum(paid) AS paid, sum(denied) AS denied, sum(adjudicated) AS adjudicated';

type Unavailable = { available: false; reason: string };
type Row = Record<string, Json>;
type TrendRow = { month: string; claims: number; billed: number; allowed: number; paid: number; memberMonths: number; pmpm: number | null };
type Claimant = { memberId: string; plan: string | null; claims: number; paid: number; allowed: number };

const num = (v: Json | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: Json | undefined): number | null => (v === null || v === undefined ? null : Number(v));
const rate = (r: Row) => (num(r.adjudicated) > 0 ? num(r.denied) / num(r.adjudicated) : null);
const firstLine = (err: unknown) => (err as Error).message.split('\n')[0] ?? String(err);

/** Unavailable until the transform stage has built every mart the dashboard reads. */
async function martsMissing(warehouse: WarehouseReader): Promise<Unavailable | null> {
  const now = warehouse.availability();
  if (!now.available) return { available: false, reason: now.reason };
  const have = new Set((await warehouse.tables()).filter((t) => t.schema === 'marts').map((t) => t.table));
  const missing = MARTS.filter((m) => !have.has(m));
  if (!missing.length) return null;
  return { available: false, reason: `No marts yet: run the transform stage, which builds them (missing ${missing.map((m) => `marts.${m}`).join(', ')}).` };
}

/** Binds values as positional parameters, in the order the SQL uses them. */
function binder(params: QueryParam[]) {
  return (v: QueryParam) => {
    params.push(v);
    return '?';
  };
}

/** WHERE over the fact alone: dates directly, the plan as a semi-join on that plan's member keys. */
function factFilter(f: AnalyticsFilter, params: QueryParam[]): string {
  const bind = binder(params);
  const parts: string[] = ['true'];
  if (f.from) parts.push(`f.service_from_date >= CAST(${bind(f.from)} AS DATE)`);
  if (f.to) parts.push(`f.service_from_date <= CAST(${bind(f.to)} AS DATE)`);
  if (f.plan) parts.push(`f.${PLAN.dim.key} IN (SELECT d.${PLAN.dim.key} FROM ${PLAN.dim.table} d WHERE ${PLAN.value} = ${bind(f.plan)})`);
  return parts.join(' AND ');
}

/** Member months and the paid amount PMPM is taken over, per month, from the PMPM mart. */
async function memberMonthsByMonth(warehouse: WarehouseReader, f: AnalyticsFilter): Promise<Map<string, { memberMonths: number; paid: number }>> {
  const params: QueryParam[] = [];
  const bind = binder(params);
  // without a date filter every month of the mart counts (eligibility can run past the last claim)
  const conds = ['true'];
  if (f.from) conds.push(`month_start_date >= date_trunc('month', CAST(${bind(f.from)} AS DATE))`);
  if (f.to) conds.push(`month_start_date <= CAST(${bind(f.to)} AS DATE)`);
  if (f.plan) conds.push(`plan_id = ${bind(f.plan)}`);
  const month = dialectSql(warehouse.dialect).monthLabel('month_start_date');
  const rows = await warehouse.queryObjects(
    `SELECT ${month} AS month, sum(member_months) AS member_months, sum(paid_total) AS paid FROM marts.mart_pmpm_monthly WHERE ${conds.join(' AND ')} GROUP BY 1`,
    params,
  );
  return new Map(rows.map((r) => [String(r.month), { memberMonths: num(r.member_months), paid: num(r.paid) }]));
}

/**
 * Breakdowns by attributes of the same dimension (plan and line of business on the member,
 * specialty and network on the provider), from one aggregation of the fact by that dimension's
 * key: the expensive pass over the fact is made once for both.
 */
async function breakdowns(warehouse: WarehouseReader, f: AnalyticsFilter, attrs: Attribute[]): Promise<Breakdown[][]> {
  const params: QueryParam[] = [];
  const where = factFilter(f, params);
  const { dim } = attrs[0]!;
  const labels = attrs.map((a, i) => `coalesce(CAST(${a.label} AS VARCHAR), '(none)') AS l${i}`).join(', ');
  const rows = await warehouse.queryObjects(
    `WITH a AS (SELECT f.${dim.key} AS k, ${MEASURES} FROM ${FCT} f WHERE ${where} GROUP BY 1),
       j AS (SELECT ${labels}, a.* FROM a LEFT JOIN ${dim.table} d ON d.${dim.key} = a.k)
     ${attrs.map((_, i) => `SELECT ${i} AS what, l${i} AS label, ${RESUM} FROM j GROUP BY l${i}`).join(' UNION ALL ')}`,
    params,
  );
  return attrs.map((_, i) =>
    rows
      .filter((r) => Number(r.what) === i)
      .map((r) => ({ label: String(r.label), claims: num(r.claims), billed: num(r.billed), allowed: num(r.allowed), paid: num(r.paid), denialRate: rate(r) }))
      .sort((x, y) => y.paid - x.paid || x.label.localeCompare(y.label))
      .slice(0, 25),
  );
}

/** A widget's answer, or the reason it has none: one failing widget does not take the dashboard down. */
async function widget<T>(fn: () => Promise<Widget<T>>): Promise<Widget<T>> {
  try {
    return await fn();
  } catch (err) {
    return { available: false, reason: firstLine(err) };
  }
}

/** The provider risk mart, highest risk first, by the mart's own measures; the dashboard invents no score. */
const RISK_ORDER = ['risk_flag_count', 'denial_z_score', 'billed_z_score', 'billed_total'];
const RISK_COLUMNS = ['provider_name', 'provider_id', 'specialty_name', 'network_status', 'total_claims', 'denial_rate', 'avg_turnaround_days', 'billed_to_specialty_median_ratio', 'risk_flag_count', 'risk_tier'];

/** Runs fn once, on first call, and hands every caller the same promise. */
function lazy<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

type Monthly = () => Promise<{ rows: Row[] } | { error: string }>;

/** The monthly sums of the fact, one pass and no join: they feed both the KPIs and the trend. */
function monthlySums(warehouse: WarehouseReader, f: AnalyticsFilter): Monthly {
  return lazy(() => {
    const params: QueryParam[] = [];
    const where = factFilter(f, params);
    const sql = dialectSql(warehouse.dialect);
    // truncate per row, format per month: formatting every row costs as much as the sums
    return warehouse
      .queryObjects(`SELECT ${sql.monthLabel('month')} AS month, * EXCLUDE (month) FROM (SELECT date_trunc('month', f.service_from_date) AS month, ${MEASURES} FROM ${FCT} f WHERE ${where} GROUP BY 1) m ORDER BY 1`, params)
      .then((rows) => ({ rows }), (err: unknown) => ({ error: firstLine(err) }));
  });
}

async function kpiValues(warehouse: WarehouseReader, f: AnalyticsFilter, monthly: Monthly, memberMonths: () => Promise<Map<string, { memberMonths: number; paid: number }>>): Promise<Widget<{ values: KpiSet }>> {
  // the three queries go out together; the KPIs need all of them
  const params: QueryParam[] = [];
  const turnaround = warehouse.queryObjects(`SELECT median(f.turnaround_days) AS v FROM ${FCT} f WHERE ${factFilter(f, params)}`, params);
  const eligibility = memberMonths();
  const m = await monthly();
  if ('error' in m) return { available: false, reason: m.error };
  const sum = (k: string) => m.rows.reduce((n, r) => n + num(r[k]), 0);
  const months = [...(await eligibility).values()];
  const mm = months.reduce((n, x) => n + x.memberMonths, 0);
  // PMPM over the mart's paid amount: costs and member months then share a plan and a month
  const pmpmPaid = months.reduce((n, x) => n + x.paid, 0);
  return {
    available: true,
    values: {
      claims: sum('claims'),
      billed: sum('billed'),
      allowed: sum('allowed'),
      paid: sum('paid'),
      memberMonths: mm,
      pmpm: mm > 0 ? pmpmPaid / mm : null,
      denialRate: sum('adjudicated') > 0 ? sum('denied') / sum('adjudicated') : null,
      medianTurnaroundDays: numOrNull((await turnaround)[0]?.v),
    },
  };
}

/** The dashboard's KPIs alone, unfiltered or filtered as the dashboard is (the compare view reads two warehouses' worth). */
export async function claimKpis(warehouse: WarehouseReader, f: AnalyticsFilter = {}): Promise<Widget<{ values: KpiSet }>> {
  const missing = await martsMissing(warehouse);
  if (missing) return missing;
  return widget(() => kpiValues(warehouse, f, monthlySums(warehouse, f), lazy(() => memberMonthsByMonth(warehouse, f))));
}

/**
 * The marts dashboard. Widgets run side by side; `oneAtATime` runs them one after another instead
 * so that each widget's time is its own (the benchmark uses it to time each query alone).
 */
export async function dashboard(warehouse: WarehouseReader, f: AnalyticsFilter, opts: { oneAtATime?: boolean } = {}): Promise<Dashboard> {
  const started = performance.now();
  const missing = await martsMissing(warehouse);
  if (missing) {
    const u = missing;
    return { filter: f, kpis: u, trend: u, byPlan: u, byLineOfBusiness: u, bySpecialty: u, byNetwork: u, providerRisk: u, highCostClaimants: u, ms: 0, widgetMs: {} };
  }
  // monthly sums of the fact feed both the KPIs and the trend
  const monthly = monthlySums(warehouse, f);
  const memberMonths = lazy(() => memberMonthsByMonth(warehouse, f));
  const kpis = () => widget(() => kpiValues(warehouse, f, monthly, memberMonths));
  const trend = () =>
    widget<{ rows: TrendRow[] }>(async () => {
      const m = await monthly();
      if ('error' in m) return { available: false, reason: m.error };
      const mm = await memberMonths();
      return {
        available: true,
        rows: m.rows.map((r) => {
          const x = mm.get(String(r.month));
          const members = x?.memberMonths ?? 0;
          return { month: String(r.month), claims: num(r.claims), billed: num(r.billed), allowed: num(r.allowed), paid: num(r.paid), memberMonths: members, pmpm: members > 0 ? (x?.paid ?? 0) / members : null };
        }),
      };
    });
  // attributes of the same dimension share one pass over the fact
  const byMember = lazy(() => breakdowns(warehouse, f, [PLAN, LINE_OF_BUSINESS]));
  const byProvider = lazy(() => breakdowns(warehouse, f, [SPECIALTY, NETWORK]));
  const breakdown = (pass: () => Promise<Breakdown[][]>, i: number) => () => widget<{ rows: Breakdown[] }>(async () => ({ available: true, rows: (await pass())[i]! }));
  const providerRisk = () =>
    widget<{ columns: ColumnInfo[]; rows: Json[][] }>(async () => {
      const r = await warehouse.query(`SELECT ${RISK_COLUMNS.join(', ')} FROM marts.mart_provider_risk ORDER BY ${RISK_ORDER.map((c) => `${c} DESC NULLS LAST`).join(', ')} LIMIT 15`);
      return { available: true, columns: r.columns, rows: r.rows };
    });
  const highCostClaimants = () =>
    widget<{ rows: Claimant[] }>(async () => {
      const params: QueryParam[] = [];
      const where = factFilter(f, params);
      // the top ten first, then the plan each is on now
      const rows = await warehouse.queryObjects(
        `WITH t AS (SELECT f.member_id, count(*) AS claims, sum(f.paid_amount) AS paid, sum(f.allowed_amount) AS allowed
                    FROM ${FCT} f WHERE ${where} GROUP BY f.member_id ORDER BY paid DESC NULLS LAST, f.member_id LIMIT 10)
         SELECT t.member_id, (SELECT any_value(${PLAN.label}) FROM ${MEMBERS.table} d WHERE d.member_id = t.member_id AND d.is_current) AS plan, t.claims, t.paid, t.allowed
         FROM t ORDER BY t.paid DESC NULLS LAST, t.member_id`,
        params,
      );
      return {
        available: true,
        rows: rows.map((r) => ({ memberId: String(r.member_id), plan: r.plan === null ? null : String(r.plan), claims: num(r.claims), paid: num(r.paid), allowed: num(r.allowed) })),
      };
    });
  const widgets = {
    kpis,
    trend,
    byPlan: breakdown(byMember, 0),
    byLineOfBusiness: breakdown(byMember, 1),
    bySpecialty: breakdown(byProvider, 0),
    byNetwork: breakdown(byProvider, 1),
    providerRisk,
    highCostClaimants,
  };
  // side by side, the queries two widgets share start at once rather than behind the first widget
  if (!opts.oneAtATime) void Promise.all([monthly(), memberMonths().catch(() => undefined)]);
  const widgetMs: Record<string, number> = {};
  const results: Partial<{ [K in keyof typeof widgets]: Awaited<ReturnType<(typeof widgets)[K]>> }> = {};
  const run = async <K extends keyof typeof widgets>(name: K, from: number) => {
    (results as Record<K, unknown>)[name] = await widgets[name]();
    widgetMs[name] = Math.round(performance.now() - from);
  };
  const names = Object.keys(widgets) as (keyof typeof widgets)[];
  // side by side, each widget's time counts from the start of the call to its answer
  if (opts.oneAtATime) for (const name of names) await run(name, performance.now());
  else await Promise.all(names.map((name) => run(name, started)));
  const r = results as Required<typeof results>;
  return { filter: f, kpis: r.kpis, trend: r.trend, byPlan: r.byPlan, byLineOfBusiness: r.byLineOfBusiness, bySpecialty: r.bySpecialty, byNetwork: r.byNetwork, providerRisk: r.providerRisk, highCostClaimants: r.highCostClaimants, ms: Math.round(performance.now() - started), widgetMs };
}

export async function analyticsOptions(warehouse: WarehouseReader): Promise<Widget<AnalyticsOptions>> {
  const missing = await martsMissing(warehouse);
  if (missing) return missing;
  const [range, plans] = await Promise.all([
    warehouse.queryObjects(`SELECT CAST(min(service_from_date) AS VARCHAR) AS lo, CAST(max(service_from_date) AS VARCHAR) AS hi FROM ${FCT}`),
    // plans as the dimension lists them: far fewer rows than the fact
    warehouse.queryObjects(`SELECT ${PLAN.value} AS id, any_value(${PLAN.label}) AS name FROM ${PLAN.dim.table} d WHERE ${PLAN.value} IS NOT NULL GROUP BY 1 ORDER BY 2`),
  ]);
  return {
    available: true,
    plans: plans.map((p) => ({ id: String(p.id), name: String(p.name) })),
    minDate: range[0]?.lo === null || range[0]?.lo === undefined ? null : String(range[0].lo),
    maxDate: range[0]?.hi === null || range[0]?.hi === undefined ? null : String(range[0].hi),
  };
}
