// The claims dashboard, computed on the marts with the user's date range and plan pushed into
// every query. Each widget checks the columns it needs against the warehouse catalog first, and
// when they are not there says which are missing instead of showing a number it cannot back.

import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { AnalyticsFilter, AnalyticsOptions, Breakdown, ColumnInfo, Dashboard, Json, KpiSet, Widget } from './contract.ts';
import { ident } from '../duckdb/sql.ts';
import { relationColumns } from './catalog.ts';
import type { WarehouseReader } from './warehouse-reader.ts';

const FCT = 'marts.fct_claims';
const NEEDED = ['claim_id', 'member_id', 'provider_id', 'billed_amount', 'allowed_amount', 'paid_amount', 'claim_status'];

/** How the dashboard reads claims: the fact table plus whichever dimension carries each attribute. */
interface ClaimsModel {
  /** FROM clause: fct_claims f, joined only to the dimensions the given expressions use */
  from(...exprs: (string | null | undefined)[]): string;
  serviceDate: string;
  /** share of denied claims: over adjudicated claims when the fact says which are */
  denialRate: string;
  plan: string | null;
  planLabel: string | null;
  lob: string | null;
  specialty: string | null;
  specialtyLabel: string | null;
  network: string | null;
  turnaround: string | null;
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
  const [dm, dp, plans, specialties, pmpm] = await Promise.all([
    relationColumns(conn, 'marts', 'dim_members'),
    relationColumns(conn, 'marts', 'dim_providers'),
    relationColumns(conn, 'raw', 'plans'),
    relationColumns(conn, 'raw', 'specialties'),
    relationColumns(conn, 'marts', 'mart_pmpm_monthly'),
  ]);
  // Point in time where the fact carries version keys (the member's plan on the date of service),
  // else the current row of each member and provider.
  const dimJoin = (dim: Set<string>, table: string, alias: string, id: string, versionKey: string) =>
    fct.has(versionKey) && dim.has(versionKey)
      ? `LEFT JOIN marts.${table} ${alias} ON ${alias}.${versionKey} = f.${versionKey}`
      : `LEFT JOIN marts.${table} ${alias} ON ${alias}.${id} = f.${id}${dim.has('is_current') ? ` AND ${alias}.is_current` : ''}`;
  const onFact = (col: string, dim: Set<string>, alias: string) => (fct.has(col) ? `f.${col}` : dim.has(col) ? `${alias}.${col}` : null);
  const plan = onFact('plan_id', dm, 'm');
  const lob = onFact('line_of_business', dm, 'm') ?? (plan && plans.has('line_of_business') ? 'pl.line_of_business' : null);
  const specialty = onFact('specialty_code', dp, 'p');
  const network = onFact('network_status', dp, 'p');
  const planLabel = !plan ? null : dm.has('plan_name') && plan.startsWith('m.') ? `coalesce(m.plan_name, ${plan})` : plans.has('plan_name') ? `coalesce(pn.plan_name, ${plan})` : plan;
  const specialtyLabel = !specialty
    ? null
    : dp.has('specialty_name') && specialty.startsWith('p.')
      ? `coalesce(p.specialty_name, ${specialty})`
      : specialties.has('specialty_name')
        ? `coalesce(sn.specialty_name, ${specialty})`
        : specialty;
  // Joins cost a pass over the fact table each: a query gets only those its expressions need.
  const joins: [alias: string, sql: string][] = [
    ['m', dimJoin(dm, 'dim_members', 'm', 'member_id', 'member_version_key')],
    ['p', dimJoin(dp, 'dim_providers', 'p', 'provider_id', 'provider_version_key')],
    ['pl', `LEFT JOIN raw.plans pl ON pl.plan_id = ${plan}`],
    ['pn', `LEFT JOIN raw.plans pn ON pn.plan_id = ${plan}`],
    ['sn', `LEFT JOIN raw.specialties sn ON sn.specialty_code = ${specialty}`],
  ];
  const from = (...exprs: (string | null | undefined)[]) => {
    let used = exprs.filter((e): e is string => !!e).join(' ');
    // a reference table joined on the plan or specialty needs the dimension that carries it
    if (/\b(pl|pn)\./.test(used) && plan) used += ` ${plan}`;
    if (/\bsn\./.test(used) && specialty) used += ` ${specialty}`;
    return `${FCT} f ${joins.filter(([alias]) => new RegExp(`\\b${alias}\\.`).test(used)).map(([, sql]) => sql).join(' ')}`;
  };
  const turnaround = fct.has('turnaround_days')
    ? 'f.turnaround_days'
    : fct.has('received_date') && fct.has('adjudicated_date')
      ? `date_diff('day', f.received_date, f.adjudicated_date)`
      : null;
  const denialRate = fct.has('is_adjudicated')
    ? `sum(CASE WHEN f.claim_status = 'denied' THEN 1 ELSE 0 END) / nullif(sum(CASE WHEN f.is_adjudicated THEN 1 ELSE 0 END), 0)`
    : `avg(CASE WHEN f.claim_status = 'denied' THEN 1.0 ELSE 0.0 END)`;
  const coverageStart = ['coverage_start_date', 'coverage_start'].find((c) => dm.has(c));
  const coverageEnd = ['coverage_end_date', 'coverage_end'].find((c) => dm.has(c));
  const memberMonths: ClaimsModel['memberMonths'] =
    pmpm.has('month_start_date') && pmpm.has('member_months') && pmpm.has('paid_total')
      ? { kind: 'mart', plan: pmpm.has('plan_id') }
      : coverageStart && coverageEnd && dm.has('member_id')
        ? { kind: 'coverage', from: `marts.dim_members dm WHERE true${dm.has('is_current') ? ' AND dm.is_current' : ''}`, start: `dm.${coverageStart}`, end: `dm.${coverageEnd}`, plan: dm.has('plan_id') ? 'dm.plan_id' : null }
        : null;
  return { from, serviceDate: `f.${serviceCol}`, denialRate, plan, planLabel, lob, specialty, specialtyLabel, network, turnaround, memberMonths };
}

function filterSql(model: ClaimsModel, f: AnalyticsFilter, params: DuckDBValue[]): string {
  const parts: string[] = ['true'];
  if (f.from) {
    params.push(f.from);
    parts.push(`${model.serviceDate} >= CAST($${params.length} AS DATE)`);
  }
  if (f.to) {
    params.push(f.to);
    parts.push(`${model.serviceDate} <= CAST($${params.length} AS DATE)`);
  }
  if (f.plan && model.plan) {
    params.push(f.plan);
    parts.push(`${model.plan} = $${params.length}`);
  }
  return parts.join(' AND ');
}

/** Expressions a filtered query touches, so from() joins what the filter needs too. */
const filterExprs = (model: ClaimsModel, f: AnalyticsFilter) => (f.plan ? [model.plan] : []);

async function objects(conn: DuckDBConnection, sql: string, params: DuckDBValue[]): Promise<Record<string, Json>[]> {
  return (await conn.runAndReadAll(sql, params)).getRowObjectsJson() as Record<string, Json>[];
}

const num = (v: Json | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: Json | undefined): number | null => (v === null || v === undefined ? null : Number(v));

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

async function breakdown(conn: DuckDBConnection, model: ClaimsModel, f: AnalyticsFilter, label: string | null, what: string): Promise<Widget<{ rows: Breakdown[] }>> {
  if (!label) return { available: false, reason: `No ${what} column on the claims fact or its dimensions.` };
  const params: DuckDBValue[] = [];
  const where = filterSql(model, f, params);
  const rows = await objects(
    conn,
    `SELECT coalesce(CAST(${label} AS VARCHAR), '(none)') AS label, count(*) AS claims, sum(f.billed_amount) AS billed, sum(f.allowed_amount) AS allowed,
       sum(f.paid_amount) AS paid, ${model.denialRate} AS denial_rate
     FROM ${model.from(label, ...filterExprs(model, f))} WHERE ${where} GROUP BY 1 ORDER BY paid DESC NULLS LAST LIMIT 25`,
    params,
  );
  return {
    available: true,
    rows: rows.map((r) => ({ label: String(r.label), claims: num(r.claims), billed: num(r.billed), allowed: num(r.allowed), paid: num(r.paid), denialRate: numOrNull(r.denial_rate) })),
  };
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

export async function dashboard(warehouse: WarehouseReader, f: AnalyticsFilter): Promise<Dashboard> {
  const started = performance.now();
  const { model, range } = await warehouse.use(async (conn) => {
    const m = await claimsModel(conn);
    return { model: m, range: 'available' in m ? null : await serviceRange(conn, m) };
  });
  if ('available' in model) {
    const u: Unavailable = model;
    return { filter: f, kpis: u, trend: u, byPlan: u, byLineOfBusiness: u, bySpecialty: u, byNetwork: u, providerRisk: u, highCostClaimants: u, ms: 0 };
  }
  const kpis = widget<{ values: KpiSet }>(warehouse, async (conn) => {
    const params: DuckDBValue[] = [];
    const where = filterSql(model, f, params);
    const r = (
      await objects(
        conn,
        `SELECT count(*) AS claims, sum(f.billed_amount) AS billed, sum(f.allowed_amount) AS allowed, sum(f.paid_amount) AS paid,
           ${model.denialRate} AS denial_rate, ${model.turnaround ? `median(${model.turnaround})` : 'NULL'} AS median_turnaround
         FROM ${model.from(model.turnaround, ...filterExprs(model, f))} WHERE ${where}`,
        params,
      )
    )[0]!;
    const months = range ? [...(await memberMonthsByMonth(conn, model, f, range)).values()] : [];
    const memberMonths = months.reduce((n, m) => n + m.memberMonths, 0);
    // PMPM over the mart's paid amount when it has one: costs and member months then share a plan
    const pmpmPaid = months.length && months.every((m) => m.paid !== null) ? months.reduce((n, m) => n + (m.paid ?? 0), 0) : num(r.paid);
    return {
      available: true,
      values: {
        claims: num(r.claims),
        billed: num(r.billed),
        allowed: num(r.allowed),
        paid: num(r.paid),
        memberMonths,
        pmpm: memberMonths > 0 ? pmpmPaid / memberMonths : null,
        denialRate: numOrNull(r.denial_rate),
        medianTurnaroundDays: numOrNull(r.median_turnaround),
      },
    };
  });
  const trend = widget<{ rows: TrendRow[] }>(warehouse, async (conn) => {
    if (!range) return { available: true, rows: [] };
    const params: DuckDBValue[] = [];
    const where = filterSql(model, f, params);
    const rows = await objects(
      conn,
      `SELECT strftime(${model.serviceDate}, '%Y-%m') AS month, count(*) AS claims, sum(f.billed_amount) AS billed, sum(f.allowed_amount) AS allowed, sum(f.paid_amount) AS paid
       FROM ${model.from(...filterExprs(model, f))} WHERE ${where} GROUP BY 1 ORDER BY 1`,
      params,
    );
    const mm = await memberMonthsByMonth(conn, model, f, range);
    return {
      available: true,
      rows: rows.map((r) => {
        const m = mm.get(String(r.month));
        const memberMonths = m?.memberMonths ?? 0;
        const paidForPmpm = m?.paid ?? num(r.paid);
        return { month: String(r.month), claims: num(r.claims), billed: num(r.billed), allowed: num(r.allowed), paid: num(r.paid), memberMonths, pmpm: memberMonths > 0 ? paidForPmpm / memberMonths : null };
      }),
    };
  });
  const byPlan = widget(warehouse, (conn) => breakdown(conn, model, f, model.planLabel, 'plan'));
  const byLineOfBusiness = widget(warehouse, (conn) => breakdown(conn, model, f, model.lob, 'line of business'));
  const bySpecialty = widget(warehouse, (conn) => breakdown(conn, model, f, model.specialtyLabel, 'specialty'));
  const byNetwork = widget(warehouse, (conn) => breakdown(conn, model, f, model.network, 'network status'));
  const providerRisk = widget<{ columns: ColumnInfo[]; rows: Json[][] }>(warehouse, async (conn) => {
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
  const highCostClaimants = widget<{ rows: Claimant[] }>(warehouse, async (conn) => {
    const params: DuckDBValue[] = [];
    const where = filterSql(model, f, params);
    const rows = await objects(
      conn,
      `SELECT f.member_id, ${model.planLabel ? `any_value(${model.planLabel})` : 'NULL'} AS plan, count(*) AS claims, sum(f.paid_amount) AS paid, sum(f.allowed_amount) AS allowed
       FROM ${model.from(model.planLabel, ...filterExprs(model, f))} WHERE ${where} GROUP BY f.member_id ORDER BY paid DESC NULLS LAST, f.member_id LIMIT 10`,
      params,
    );
    return {
      available: true,
      rows: rows.map((r) => ({ memberId: String(r.member_id), plan: r.plan === null ? null : String(r.plan), claims: num(r.claims), paid: num(r.paid), allowed: num(r.allowed) })),
    };
  });
  const [k, t, bp, bl, bs, bn, pr, hc] = await Promise.all([kpis, trend, byPlan, byLineOfBusiness, bySpecialty, byNetwork, providerRisk, highCostClaimants]);
  return { filter: f, kpis: k, trend: t, byPlan: bp, byLineOfBusiness: bl, bySpecialty: bs, byNetwork: bn, providerRisk: pr, highCostClaimants: hc, ms: Math.round(performance.now() - started) };
}

export async function analyticsOptions(warehouse: WarehouseReader): Promise<Widget<AnalyticsOptions>> {
  return warehouse.use(async (conn) => {
    const model = await claimsModel(conn);
    if ('available' in model) return model;
    const range = await serviceRange(conn, model);
    let plans: { id: string; name: string }[] = [];
    if (model.plan) {
      const name = model.planLabel ?? model.plan;
      const rows = await objects(conn, `SELECT ${model.plan} AS id, any_value(${name}) AS name FROM ${model.from(model.plan, name)} WHERE ${model.plan} IS NOT NULL GROUP BY 1 ORDER BY 2`, []);
      plans = rows.map((r) => ({ id: String(r.id), name: String(r.name) }));
    }
    return { available: true, plans, minDate: range?.min ?? null, maxDate: range?.max ?? null };
  });
}
