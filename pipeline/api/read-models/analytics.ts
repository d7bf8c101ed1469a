// The claims dashboard, computed on the marts with the user's date range and plan pushed into
// every query. Each widget checks the columns it needs against the warehouse catalog first, and
// when they are not there says which are missing instead of showing a number it cannot back.
//
// Speed on 10M claims: the fact table is aggregated first, by the dimension key a breakdown needs
// (hundreds of thousands of groups at most), and only then joined to the dimension; a plan filter
// is a semi-join on the member keys of that plan. Joining 10M fact rows to a dimension costs a
// second or more on two cores; aggregating first costs a few hundred milliseconds.

import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { ident } from '../../duckdb/sql.ts';
import type { AnalyticsFilter, AnalyticsOptions, Breakdown, ColumnInfo, Dashboard, Json, KpiSet, Widget } from '../protocol.ts';
import { relationColumns } from './catalog.ts';
import type { WarehouseReader } from './warehouse-reader.ts';

const FCT = 'marts.fct_claims';
const NEEDED = ['claim_id', 'member_id', 'provider_id', 'billed_amount', 'allowed_amount', 'paid_amount', 'claim_status'];

/** How a fact row finds its member or provider: the version valid at service, else the current row. */
interface DimLink {
  table: string;
  /** key column on the fact and on the dimension */
  key: string;
  /** extra condition on the dimension row (is_current when joining by natural key) */
  where: string;
}

/** An attribute to break claims down by: on the fact itself, or on a dimension reached by `link`. */
interface Attribute {
  /** expression over the fact (alias f) or the dimension (alias d) */
  value: string;
  label: string;
  link: DimLink | null;
}

interface ClaimsModel {
  serviceDate: string;
  /** per-row expressions summed into "denied" and "adjudicated" counts */
  deniedFlag: string;
  adjudicatedFlag: string;
  plan: Attribute | null;
  lob: Attribute | null;
  specialty: Attribute | null;
  network: Attribute | null;
  turnaround: string | null;
  /** condition picking a member's current row on marts.dim_members (alias d) */
  currentMember: string;
  /** where member months come from: the PMPM mart, or coverage periods on the member dimension */
  memberMonths: { kind: 'mart'; plan: boolean } | { kind: 'coverage'; from: string; start: string; end: string; plan: string | null } | null;
}

type Unavailable = { available: false; reason: string };
type TrendRow = { month: string; claims: number; billed: number; allowed: number; paid: number; memberMonths: number; pmpm: number | null };
type Claimant = { memberId: string; plan: string | null; claims: number; paid: number; allowed: number };

async function claimsModel(conn: DuckDBConnection): Promise<ClaimsModel | Unavailable> {
  const fct = await relationColumns(conn, 'marts', 'fct_claims');
  if (fct.size === 0) return { available: false, reason: 'No marts yet: marts.fct_claims is built by the transform stage.' };
  const serviceCol = ['service_from_date', 'service_from'].find((c) => fct.has(c));
  const missing = NEEDED.filter((c) => !fct.has(c));
  if (missing.length || !serviceCol) return { available: false, reason: `${FCT} has no column ${[...missing, ...(serviceCol ? [] : ['service_from_date'])].join(', ')}.` };
  const [dm, dp, pmpm] = await Promise.all([relationColumns(conn, 'marts', 'dim_members'), relationColumns(conn, 'marts', 'dim_providers'), relationColumns(conn, 'marts', 'mart_pmpm_monthly')]);
  // the member's plan on the date of service where the fact carries version keys
  const link = (dim: Set<string>, table: string, id: string, versionKey: string): DimLink | null =>
    fct.has(versionKey) && dim.has(versionKey)
      ? { table, key: versionKey, where: 'true' }
      : dim.has(id)
        ? { table, key: id, where: dim.has('is_current') ? 'd.is_current' : 'true' }
        : null;
  const members = link(dm, 'marts.dim_members', 'member_id', 'member_version_key');
  const providers = link(dp, 'marts.dim_providers', 'provider_id', 'provider_version_key');
  const attribute = (col: string, nameCol: string | null, dim: Set<string>, l: DimLink | null): Attribute | null => {
    if (fct.has(col)) return { value: `f.${ident(col)}`, label: `f.${ident(col)}`, link: null };
    if (!l || !dim.has(col)) return null;
    const value = `d.${ident(col)}`;
    return { value, label: nameCol && dim.has(nameCol) ? `coalesce(d.${ident(nameCol)}, ${value})` : value, link: l };
  };
  const coverageStart = ['coverage_start_date', 'coverage_start'].find((c) => dm.has(c));
  const coverageEnd = ['coverage_end_date', 'coverage_end'].find((c) => dm.has(c));
  return {
    serviceDate: `f.${ident(serviceCol)}`,
    deniedFlag: `CASE WHEN f.claim_status = 'denied' THEN 1 ELSE 0 END`,
    // denial rates are over adjudicated claims when the fact says which those are, as the marts count them
    adjudicatedFlag: fct.has('is_adjudicated') ? 'CASE WHEN f.is_adjudicated THEN 1 ELSE 0 END' : '1',
    plan: attribute('plan_id', 'plan_name', dm, members),
    lob: attribute('line_of_business', null, dm, members),
    specialty: attribute('specialty_code', 'specialty_name', dp, providers),
    network: attribute('network_status', null, dp, providers),
    currentMember: dm.has('is_current') ? 'd.is_current' : 'true',
    turnaround: fct.has('turnaround_days') ? 'f.turnaround_days' : fct.has('received_date') && fct.has('adjudicated_date') ? `date_diff('day', f.received_date, f.adjudicated_date)` : null,
    memberMonths:
      pmpm.has('month_start_date') && pmpm.has('member_months') && pmpm.has('paid_total')
        ? { kind: 'mart', plan: pmpm.has('plan_id') }
        : coverageStart && coverageEnd && dm.has('member_id')
          ? { kind: 'coverage', from: `marts.dim_members dm WHERE ${dm.has('is_current') ? 'dm.is_current' : 'true'}`, start: `dm.${ident(coverageStart)}`, end: `dm.${ident(coverageEnd)}`, plan: dm.has('plan_id') ? 'dm.plan_id' : null }
          : null,
  };
}

/** WHERE over the fact alone: dates directly, the plan as a semi-join on that plan's member keys. */
function factFilter(model: ClaimsModel, f: AnalyticsFilter, params: DuckDBValue[]): string {
  const bind = (v: DuckDBValue) => {
    params.push(v);
    return `$${params.length}`;
  };
  const parts: string[] = ['true'];
  if (f.from) parts.push(`${model.serviceDate} >= CAST(${bind(f.from)} AS DATE)`);
  if (f.to) parts.push(`${model.serviceDate} <= CAST(${bind(f.to)} AS DATE)`);
  const plan = model.plan;
  if (f.plan && plan) {
    parts.push(plan.link ? `f.${ident(plan.link.key)} IN (SELECT d.${ident(plan.link.key)} FROM ${plan.link.table} d WHERE ${plan.link.where} AND ${plan.value} = ${bind(f.plan)})` : `${plan.value} = ${bind(f.plan)}`);
  }
  return parts.join(' AND ');
}

async function objects(conn: DuckDBConnection, sql: string, params: DuckDBValue[]): Promise<Record<string, Json>[]> {
  return (await conn.runAndReadAll(sql, params)).getRowObjectsJson() as Record<string, Json>[];
}

const num = (v: Json | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: Json | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** The sums every widget is made of. */
const MEASURES = (m: ClaimsModel) =>
  `count(*) AS claims, sum(f.billed_amount) AS billed, sum(f.allowed_amount) AS allowed, sum(f.paid_amount) AS paid, sum(${m.deniedFlag}) AS denied, sum(${m.adjudicatedFlag}) AS adjudicated`;
const RESUM = 'sum(claims) AS claims, sum(billed) AS billed, sum(allowed) AS allowed, sum(paid) AS paid, sum(denied) AS denied, sum(adjudicated) AS adjudicated';
const rate = (r: Record<string, Json>) => (num(r.adjudicated) > 0 ? num(r.denied) / num(r.adjudicated) : null);

/**
 * Member months (and the paid amount PMPM is taken over) per month in the filter. From the PMPM
 * mart when there is one, so the dashboard agrees with it; else from members' coverage periods.
 */
async function memberMonthsByMonth(conn: DuckDBConnection, model: ClaimsModel, f: AnalyticsFilter, range: { min: string; max: string }): Promise<Map<string, { memberMonths: number; paid: number | null }>> {
  const out = new Map<string, { memberMonths: number; paid: number | null }>();
  const mm = model.memberMonths;
  if (!mm) return out;
  const params: DuckDBValue[] = [];
  const bind = (v: DuckDBValue) => {
    params.push(v);
    return `$${params.length}`;
  };
  let sql: string;
  if (mm.kind === 'mart') {
    // without a date filter every month of the mart counts (eligibility can run past the last claim)
    const conds = ['true'];
    if (f.from) conds.push(`month_start_date >= date_trunc('month', CAST(${bind(f.from)} AS DATE))`);
    if (f.to) conds.push(`month_start_date <= CAST(${bind(f.to)} AS DATE)`);
    if (f.plan && mm.plan) conds.push(`plan_id = ${bind(f.plan)}`);
    sql = `SELECT strftime(month_start_date, '%Y-%m') AS month, sum(member_months) AS member_months, sum(paid_total) AS paid
           FROM marts.mart_pmpm_monthly WHERE ${conds.join(' AND ')} GROUP BY 1`;
  } else {
    const lo = bind(f.from ?? range.min);
    const hi = bind(f.to ?? range.max);
    const planCond = f.plan && mm.plan ? ` AND ${mm.plan} = ${bind(f.plan)}` : '';
    sql = `WITH months AS (SELECT CAST(unnest(generate_series(date_trunc('month', CAST(${lo} AS DATE)), date_trunc('month', CAST(${hi} AS DATE)), INTERVAL 1 MONTH)) AS DATE) AS month)
           SELECT strftime(months.month, '%Y-%m') AS month, count(*) AS member_months, NULL AS paid
           FROM months JOIN (SELECT * FROM ${mm.from}${planCond}) dm
             ON ${mm.start} <= last_day(months.month) AND coalesce(${mm.end}, DATE '9999-12-31') >= months.month
           GROUP BY 1`;
  }
  for (const r of await objects(conn, sql, params)) out.set(String(r.month), { memberMonths: num(r.member_months), paid: r.paid === null ? null : num(r.paid) });
  return out;
}

async function serviceRange(conn: DuckDBConnection, model: ClaimsModel): Promise<{ min: string; max: string } | null> {
  const r = await objects(conn, `SELECT CAST(min(${model.serviceDate}) AS VARCHAR) AS lo, CAST(max(${model.serviceDate}) AS VARCHAR) AS hi FROM ${FCT} f`, []);
  return r[0]?.lo ? { min: String(r[0].lo), max: String(r[0].hi) } : null;
}

/**
 * Breakdowns by attributes reached through the same dimension (plan and line of business on the
 * member, specialty and network on the provider), from one aggregation of the fact by that
 * dimension's key: the expensive pass over the fact is made once for both.
 */
async function breakdowns(conn: DuckDBConnection, model: ClaimsModel, f: AnalyticsFilter, attrs: (Attribute | null)[]): Promise<(Breakdown[] | null)[]> {
  const present = attrs.map((a, i) => ({ a, i })).filter((x): x is { a: Attribute; i: number } => x.a !== null);
  if (!present.length) return attrs.map(() => null);
  const params: DuckDBValue[] = [];
  const where = factFilter(model, f, params);
  const link = present[0]!.a.link;
  const labels = present.map(({ a, i }) => `coalesce(CAST(${a.label} AS VARCHAR), '(none)') AS l${i}`).join(', ');
  const base = link
    ? `WITH a AS (SELECT f.${ident(link.key)} AS k, ${MEASURES(model)} FROM ${FCT} f WHERE ${where} GROUP BY 1),
       j AS (SELECT ${labels}, a.* FROM a LEFT JOIN ${link.table} d ON d.${ident(link.key)} = a.k AND ${link.where})`
    : `WITH j AS (SELECT ${labels}, ${MEASURES(model)} FROM ${FCT} f WHERE ${where} GROUP BY ${present.map(({ i }) => `l${i}`).join(', ')})`;
  const sql = `${base}
    ${present.map(({ i }) => `SELECT ${i} AS what, l${i} AS label, ${RESUM} FROM j GROUP BY l${i}`).join(' UNION ALL ')}`;
  const rows = await objects(conn, sql, params);
  return attrs.map((a, i) =>
    a === null
      ? null
      : rows
          .filter((r) => Number(r.what) === i)
          .map((r) => ({ label: String(r.label), claims: num(r.claims), billed: num(r.billed), allowed: num(r.allowed), paid: num(r.paid), denialRate: rate(r) }))
          .sort((x, y) => y.paid - x.paid || x.label.localeCompare(y.label))
          .slice(0, 25),
  );
}

const sameLink = (a: Attribute | null, b: Attribute | null) => !!a && !!b && a.link?.table === b.link?.table && a.link?.key === b.link?.key;

/** The widgets of a group of breakdowns, each unavailable on its own when its column is missing. */
function breakdownWidgets(
  warehouse: WarehouseReader,
  model: ClaimsModel,
  f: AnalyticsFilter,
  named: [[Attribute | null, string], [Attribute | null, string]],
): [Promise<Widget<{ rows: Breakdown[] }>>, Promise<Widget<{ rows: Breakdown[] }>>] {
  // attributes on the same dimension share one pass; others get their own
  const shared = sameLink(named[0][0], named[1][0]);
  const groups = shared ? [named.map(([a]) => a)] : named.map(([a]) => [a]);
  const results = groups.map((attrs) => warehouse.use((conn) => breakdowns(conn, model, f, attrs)));
  const one = ([attr, what]: [Attribute | null, string], i: number): Promise<Widget<{ rows: Breakdown[] }>> => {
    if (!attr) return Promise.resolve({ available: false as const, reason: `No ${what} column on the claims fact or its dimensions.` });
    const result = shared ? results[0]!.then((r) => r[i]) : results[i]!.then((r) => r[0]);
    return result.then(
      (rows): Widget<{ rows: Breakdown[] }> => ({ available: true, rows: rows ?? [] }),
      (err: unknown) => ({ available: false, reason: (err as Error).message.split('\n')[0] ?? String(err) }),
    );
  };
  return [one(named[0], 0), one(named[1], 1)];
}

/**
 * Runs a widget's queries on a connection of its own, so widgets run side by side; a failure
 * marks that widget unavailable with the reason, not the whole dashboard.
 */
async function widget<T>(warehouse: WarehouseReader, fn: (conn: DuckDBConnection) => Promise<Widget<T>>): Promise<Widget<T>> {
  try {
    return await warehouse.use(fn);
  } catch (err) {
    return { available: false, reason: (err as Error).message.split('\n')[0] ?? String(err) };
  }
}

/** The provider risk mart, highest risk first, with the columns that explain the ranking. */
const RISK_ORDER = ['risk_flag_count', 'risk_score', 'denial_z_score', 'billed_z_score', 'billed_total'];
const RISK_COLUMNS = ['provider_name', 'provider_id', 'specialty_name', 'network_status', 'total_claims', 'denial_rate', 'avg_turnaround_days', 'billed_to_specialty_median_ratio', 'risk_flag_count', 'risk_tier', 'risk_score'];

/**
 * The marts dashboard. Widgets run side by side, each on a connection of its own; `oneAtATime`
 * runs them one after another instead so that each widget's time is its own (the benchmark uses it
 * to time each query alone).
 */
export async function dashboard(warehouse: WarehouseReader, f: AnalyticsFilter, opts: { oneAtATime?: boolean } = {}): Promise<Dashboard> {
  const started = performance.now();
  const { model, range } = await warehouse.use(async (conn) => {
    const m = await claimsModel(conn);
    return { model: m, range: 'available' in m ? null : await serviceRange(conn, m) };
  });
  if ('available' in model) {
    const u: Unavailable = model;
    return { filter: f, kpis: u, trend: u, byPlan: u, byLineOfBusiness: u, bySpecialty: u, byNetwork: u, providerRisk: u, highCostClaimants: u, ms: 0, widgetMs: {} };
  }
  // Monthly sums of the fact feed both the KPIs and the trend: one pass, no join.
  const monthly = lazy(() =>
    warehouse.use(async (conn) => {
      const params: DuckDBValue[] = [];
      const where = factFilter(model, f, params);
      // truncate per row, format per month: strftime on every row costs as much as the sums
      return objects(conn, `SELECT strftime(month, '%Y-%m') AS month, * EXCLUDE (month) FROM (SELECT date_trunc('month', ${model.serviceDate}) AS month, ${MEASURES(model)} FROM ${FCT} f WHERE ${where} GROUP BY 1) ORDER BY 1`, params);
    }).then((rows) => ({ rows }), (err: unknown) => ({ error: (err as Error).message.split('\n')[0] ?? String(err) })),
  );
  const memberMonths = lazy(() =>
    range ? warehouse.use((conn) => memberMonthsByMonth(conn, model, f, range)).catch(() => new Map<string, { memberMonths: number; paid: number | null }>()) : Promise.resolve(new Map<string, { memberMonths: number; paid: number | null }>()),
  );
  const kpis = async (): Promise<Widget<{ values: KpiSet }>> => {
    // the three queries go out together; the KPIs need all of them
    const turnaround = model.turnaround
      ? widget<{ value: number | null }>(warehouse, async (conn) => {
          const params: DuckDBValue[] = [];
          const where = factFilter(model, f, params);
          const r = await objects(conn, `SELECT median(${model.turnaround}) AS v FROM ${FCT} f WHERE ${where}`, params);
          return { available: true, value: numOrNull(r[0]?.v) };
        })
      : Promise.resolve(null);
    const eligibility = memberMonths();
    const m = await monthly();
    const median = await turnaround;
    if ('error' in m) return { available: false, reason: m.error };
    const sum = (k: string) => m.rows.reduce((n, r) => n + num(r[k]), 0);
    const months = [...(await eligibility).values()];
    const mm = months.reduce((n, x) => n + x.memberMonths, 0);
    // PMPM over the mart's paid amount when it has one: costs and member months then share a plan
    const pmpmPaid = months.length && months.every((x) => x.paid !== null) ? months.reduce((n, x) => n + (x.paid ?? 0), 0) : sum('paid');
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
        medianTurnaroundDays: median?.available ? median.value : null,
      },
    };
  };
  const trend = async (): Promise<Widget<{ rows: TrendRow[] }>> => {
    const m = await monthly();
    if ('error' in m) return { available: false, reason: m.error };
    const mm = await memberMonths();
    return {
      available: true,
      rows: m.rows.map((r) => {
        const x = mm.get(String(r.month));
        const members = x?.memberMonths ?? 0;
        return { month: String(r.month), claims: num(r.claims), billed: num(r.billed), allowed: num(r.allowed), paid: num(r.paid), memberMonths: members, pmpm: members > 0 ? (x?.paid ?? num(r.paid)) / members : null };
      }),
    };
  };
  const planAndLob = lazy(() => Promise.all(breakdownWidgets(warehouse, model, f, [
    [model.plan, 'plan'],
    [model.lob, 'line of business'],
  ])));
  const specialtyAndNetwork = lazy(() => Promise.all(breakdownWidgets(warehouse, model, f, [
    [model.specialty, 'specialty'],
    [model.network, 'network status'],
  ])));
  const providerRisk = () => widget<{ columns: ColumnInfo[]; rows: Json[][] }>(warehouse, async (conn) => {
    const cols = await relationColumns(conn, 'marts', 'mart_provider_risk');
    if (!cols.size) return { available: false, reason: 'No marts.mart_provider_risk yet: it is built by the transform stage.' };
    // ranked by the mart's own risk measures; the dashboard does not invent a score of its own
    const order = RISK_ORDER.filter((c) => cols.has(c));
    if (!order.length) return { available: false, reason: 'marts.mart_provider_risk has no risk measure to rank by.' };
    const shown = RISK_COLUMNS.filter((c) => cols.has(c));
    const select = (shown.length >= 3 ? shown : [...cols].slice(0, 8)).map(ident).join(', ');
    const reader = await conn.runAndReadAll(`SELECT ${select} FROM marts.mart_provider_risk ORDER BY ${order.map((c) => `${ident(c)} DESC NULLS LAST`).join(', ')} LIMIT 15`);
    return { available: true, columns: reader.columnNames().map((name, i) => ({ name, type: reader.columnTypes()[i]!.toString() })), rows: reader.getRowsJson() as Json[][] };
  });
  const highCostClaimants = () => widget<{ rows: Claimant[] }>(warehouse, async (conn) => {
    const params: DuckDBValue[] = [];
    const where = factFilter(model, f, params);
    const plan = model.plan;
    // the top ten first, then the plan each is on now (or as the fact records it)
    const planSql = !plan
      ? 'NULL'
      : plan.link
        ? `(SELECT any_value(${plan.label}) FROM marts.dim_members d WHERE d.member_id = t.member_id AND ${model.currentMember})`
        : 't.plan';
    const rows = await objects(
      conn,
      `WITH t AS (SELECT f.member_id, count(*) AS claims, sum(f.paid_amount) AS paid, sum(f.allowed_amount) AS allowed${plan && !plan.link ? `, any_value(${plan.value}) AS plan` : ''}
                  FROM ${FCT} f WHERE ${where} GROUP BY f.member_id ORDER BY paid DESC NULLS LAST, f.member_id LIMIT 10)
       SELECT t.member_id, ${planSql} AS plan, t.claims, t.paid, t.allowed FROM t ORDER BY t.paid DESC NULLS LAST, t.member_id`,
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
    byPlan: async () => (await planAndLob())[0],
    byLineOfBusiness: async () => (await planAndLob())[1],
    bySpecialty: async () => (await specialtyAndNetwork())[0],
    byNetwork: async () => (await specialtyAndNetwork())[1],
    providerRisk,
    highCostClaimants,
  };
  // side by side, the queries two widgets share start at once rather than behind the first widget
  if (!opts.oneAtATime) void Promise.all([monthly(), memberMonths()]);
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

/** Runs fn once, on first call, and hands every caller the same promise. */
function lazy<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}

export async function analyticsOptions(warehouse: WarehouseReader): Promise<Widget<AnalyticsOptions>> {
  return warehouse.use(async (conn) => {
    const model = await claimsModel(conn);
    if ('available' in model) return model;
    const range = await serviceRange(conn, model);
    let plans: { id: string; name: string }[] = [];
    const plan = model.plan;
    if (plan) {
      // plans as the dimension lists them: far fewer rows than the fact
      const rows = plan.link
        ? await objects(conn, `SELECT ${plan.value} AS id, any_value(${plan.label}) AS name FROM ${plan.link.table} d WHERE ${plan.value} IS NOT NULL GROUP BY 1 ORDER BY 2`, [])
        : await objects(conn, `SELECT ${plan.value} AS id, ${plan.value} AS name FROM ${FCT} f WHERE ${plan.value} IS NOT NULL GROUP BY 1 ORDER BY 2`, []);
      plans = rows.map((r) => ({ id: String(r.id), name: String(r.name) }));
    }
    return { available: true, plans, minDate: range?.min ?? null, maxDate: range?.max ?? null };
  });
}
