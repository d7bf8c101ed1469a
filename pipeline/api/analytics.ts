// The claims dashboard, computed on the marts with the user's date range and plan pushed into
// every query. Each widget checks the columns it needs against the warehouse catalog first, and
// when they are not there says which are missing instead of showing a number it cannot back.

import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { AnalyticsFilter, AnalyticsOptions, Breakdown, ColumnInfo, Dashboard, Json, KpiSet, Widget } from './contract.ts';
import { describeRelation, relationColumns } from './catalog.ts';
import type { WarehouseReader } from './warehouse-reader.ts';

const FCT = 'marts.fct_claims';
const NEEDED = ['claim_id', 'member_id', 'provider_id', 'service_from', 'billed_amount', 'allowed_amount', 'paid_amount', 'claim_status'];

/** How the dashboard reads claims: the fact table plus whichever dimension carries each attribute. */
interface ClaimsModel {
  /** FROM clause: fct_claims f, joined only to the dimensions the given expressions use */
  from(...exprs: (string | null | undefined)[]): string;
  plan: string | null;
  lob: string | null;
  specialty: string | null;
  network: string | null;
  turnaround: string | null;
  /** current member rows with coverage dates, for member months */
  members: { from: string; plan: string | null } | null;
  planNames: boolean;
  specialtyNames: boolean;
}

type Unavailable = { available: false; reason: string };
type TrendRow = { month: string; claims: number; billed: number; allowed: number; paid: number; memberMonths: number; pmpm: number | null };
type Claimant = { memberId: string; plan: string | null; claims: number; paid: number; allowed: number };

async function claimsModel(conn: DuckDBConnection): Promise<ClaimsModel | Unavailable> {
  const fct = await relationColumns(conn, 'marts', 'fct_claims');
  if (fct.size === 0) return { available: false, reason: 'No marts yet: marts.fct_claims is built by the transform stage.' };
  const missing = NEEDED.filter((c) => !fct.has(c));
  if (missing.length) return { available: false, reason: `${FCT} has no column ${missing.join(', ')}.` };
  const dm = await relationColumns(conn, 'marts', 'dim_members');
  const dp = await relationColumns(conn, 'marts', 'dim_providers');
  const plans = await relationColumns(conn, 'raw', 'plans');
  const specialties = await relationColumns(conn, 'raw', 'specialties');
  const current = (cols: Set<string>, alias: string) => (cols.has('is_current') ? ` AND ${alias}.is_current` : '');
  const pick = (col: string): string | null => {
    if (fct.has(col)) return `f.${col}`;
    if (dm.has(col) && dm.has('member_id')) return `m.${col}`;
    if (dp.has(col) && dp.has('provider_id')) return `p.${col}`;
    return null;
  };
  const plan = pick('plan_id');
  let lob = pick('line_of_business');
  const specialty = fct.has('specialty_code') ? 'f.specialty_code' : dp.has('specialty_code') ? 'p.specialty_code' : null;
  const network = fct.has('network_status') ? 'f.network_status' : dp.has('network_status') ? 'p.network_status' : null;
  if (!lob && plan && plans.has('line_of_business')) lob = 'pl.line_of_business';
  // Joins cost a pass over the fact table each: a query gets only those its expressions need.
  const joins: [alias: string, sql: string][] = [
    ['m', `LEFT JOIN marts.dim_members m ON m.member_id = f.member_id${current(dm, 'm')}`],
    ['p', `LEFT JOIN marts.dim_providers p ON p.provider_id = f.provider_id${current(dp, 'p')}`],
    ['pl', `LEFT JOIN raw.plans pl ON pl.plan_id = ${plan}`],
  ];
  const from = (...exprs: (string | null | undefined)[]) => {
    const used = exprs.filter((e): e is string => !!e).join(' ');
    const needs = (alias: string) => new RegExp(`\\b${alias}\\.`).test(used) || (alias === 'm' && /\bpl\./.test(used) && !!plan?.startsWith('m.'));
    return `${FCT} f ${joins.filter(([alias]) => needs(alias)).map(([, sql]) => sql).join(' ')}`;
  };
  const turnaround = fct.has('turnaround_days')
    ? 'f.turnaround_days'
    : fct.has('received_date') && fct.has('adjudicated_date')
      ? `date_diff('day', f.received_date, f.adjudicated_date)`
      : null;
  const members =
    dm.has('coverage_start') && dm.has('member_id')
      ? { from: `marts.dim_members dm WHERE true${current(dm, 'dm')}`, plan: dm.has('plan_id') ? 'dm.plan_id' : null }
      : null;
  return {
    from,
    plan,
    lob,
    specialty,
    network,
    turnaround,
    members,
    planNames: plans.has('plan_id') && plans.has('plan_name'),
    specialtyNames: specialties.has('specialty_code') && specialties.has('specialty_name'),
  };
}

function filterSql(model: ClaimsModel, f: AnalyticsFilter, params: DuckDBValue[], dateExpr = 'f.service_from', planExpr = model.plan): string {
  const parts: string[] = ['true'];
  if (f.from) {
    params.push(f.from);
    parts.push(`${dateExpr} >= CAST($${params.length} AS DATE)`);
  }
  if (f.to) {
    params.push(f.to);
    parts.push(`${dateExpr} <= CAST($${params.length} AS DATE)`);
  }
  if (f.plan && planExpr) {
    params.push(f.plan);
    parts.push(`${planExpr} = $${params.length}`);
  }
  return parts.join(' AND ');
}

async function objects(conn: DuckDBConnection, sql: string, params: DuckDBValue[]): Promise<Record<string, Json>[]> {
  return (await conn.runAndReadAll(sql, params)).getRowObjectsJson() as Record<string, Json>[];
}

const num = (v: Json | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: Json | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** The member-months CTE: one row per calendar month in range with the members covered in it. */
function memberMonthsSql(model: ClaimsModel, f: AnalyticsFilter, params: DuckDBValue[], range: { min: string; max: string }): string | null {
  if (!model.members) return null;
  params.push(f.from ?? range.min, f.to ?? range.max);
  const lo = `$${params.length - 1}`;
  const hi = `$${params.length}`;
  let planCond = '';
  if (f.plan && model.members.plan) {
    params.push(f.plan);
    planCond = ` AND ${model.members.plan} = $${params.length}`;
  }
  return `months AS (SELECT CAST(unnest(generate_series(date_trunc('month', CAST(${lo} AS DATE)), date_trunc('month', CAST(${hi} AS DATE)), INTERVAL 1 MONTH)) AS DATE) AS month),
    mm AS (SELECT months.month, count(*) AS member_months FROM months JOIN (SELECT * FROM ${model.members.from}${planCond}) dm
           ON dm.coverage_start <= last_day(months.month) AND coalesce(dm.coverage_end, DATE '9999-12-31') >= months.month GROUP BY months.month)`;
}

async function serviceRange(conn: DuckDBConnection): Promise<{ min: string; max: string } | null> {
  const r = await objects(conn, `SELECT CAST(min(service_from) AS VARCHAR) AS lo, CAST(max(service_from) AS VARCHAR) AS hi FROM ${FCT}`, []);
  return r[0]?.lo ? { min: String(r[0].lo), max: String(r[0].hi) } : null;
}

async function breakdown(conn: DuckDBConnection, model: ClaimsModel, f: AnalyticsFilter, label: string | null, what: string, nameJoin = ''): Promise<Widget<{ rows: Breakdown[] }>> {
  if (!label) return { available: false, reason: `No ${what} column on the claims fact or its dimensions.` };
  const params: DuckDBValue[] = [];
  const where = filterSql(model, f, params);
  const rows = await objects(
    conn,
    `SELECT coalesce(CAST(${label} AS VARCHAR), '(none)') AS label, count(*) AS claims, sum(f.billed_amount) AS billed, sum(f.allowed_amount) AS allowed,
       sum(f.paid_amount) AS paid, avg(CASE WHEN f.claim_status = 'denied' THEN 1.0 ELSE 0.0 END) AS denial_rate
     FROM ${model.from(label, f.plan ? model.plan : null)} ${nameJoin} WHERE ${where} GROUP BY ALL ORDER BY paid DESC NULLS LAST LIMIT 25`,
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

export async function dashboard(warehouse: WarehouseReader, f: AnalyticsFilter): Promise<Dashboard> {
  const started = performance.now();
  const { model, range } = await warehouse.use(async (conn) => {
    const m = await claimsModel(conn);
    return { model: m, range: 'available' in m ? null : await serviceRange(conn) };
  });
  if ('available' in model) {
    const u: Unavailable = model;
    return { filter: f, kpis: u, trend: u, byPlan: u, byLineOfBusiness: u, bySpecialty: u, byNetwork: u, providerRisk: u, highCostClaimants: u, ms: 0 };
  }
  {
    const kpis = widget<{ values: KpiSet }>(warehouse, async (conn) => {
      const params: DuckDBValue[] = [];
      const where = filterSql(model, f, params);
      const r = (
        await objects(
          conn,
          `SELECT count(*) AS claims, sum(f.billed_amount) AS billed, sum(f.allowed_amount) AS allowed, sum(f.paid_amount) AS paid,
             avg(CASE WHEN f.claim_status = 'denied' THEN 1.0 ELSE 0.0 END) AS denial_rate,
             ${model.turnaround ? `median(${model.turnaround})` : 'NULL'} AS median_turnaround
           FROM ${model.from(model.turnaround, f.plan ? model.plan : null)} WHERE ${where}`,
          params,
        )
      )[0]!;
      let memberMonths = 0;
      if (range) {
        const mmParams: DuckDBValue[] = [];
        const cte = memberMonthsSql(model, f, mmParams, range);
        if (cte) memberMonths = num((await objects(conn, `WITH ${cte} SELECT sum(member_months) AS n FROM mm`, mmParams))[0]?.n);
      }
      const paid = num(r.paid);
      return {
        available: true,
        values: {
          claims: num(r.claims),
          billed: num(r.billed),
          allowed: num(r.allowed),
          paid,
          memberMonths,
          pmpm: memberMonths > 0 ? paid / memberMonths : null,
          denialRate: numOrNull(r.denial_rate),
          medianTurnaroundDays: numOrNull(r.median_turnaround),
        },
      };
    });
    const trend = widget<{ rows: TrendRow[] }>(warehouse, async (conn) => {
      if (!range) return { available: true, rows: [] };
      const params: DuckDBValue[] = [];
      const cte = memberMonthsSql(model, f, params, range);
      const where = filterSql(model, f, params);
      const rows = await objects(
        conn,
        `WITH ${cte ? `${cte},` : ''} c AS (
           SELECT CAST(date_trunc('month', f.service_from) AS DATE) AS month, count(*) AS claims, sum(f.billed_amount) AS billed,
             sum(f.allowed_amount) AS allowed, sum(f.paid_amount) AS paid
           FROM ${model.from(f.plan ? model.plan : null)} WHERE ${where} GROUP BY 1)
         SELECT CAST(c.month AS VARCHAR) AS month, c.claims, c.billed, c.allowed, c.paid, ${cte ? 'coalesce(mm.member_months, 0)' : '0'} AS member_months
         FROM c ${cte ? 'LEFT JOIN mm ON mm.month = c.month' : ''} ORDER BY c.month`,
        params,
      );
      return {
        available: true,
        rows: rows.map((r) => {
          const mm = num(r.member_months);
          return { month: String(r.month).slice(0, 7), claims: num(r.claims), billed: num(r.billed), allowed: num(r.allowed), paid: num(r.paid), memberMonths: mm, pmpm: mm > 0 ? num(r.paid) / mm : null };
        }),
      };
    });
    const planLabel = model.plan && model.planNames ? `coalesce(pn.plan_name, ${model.plan})` : model.plan;
    const byPlan = widget(warehouse, (conn) => breakdown(conn, model, f, planLabel, 'plan', model.plan && model.planNames ? `LEFT JOIN raw.plans pn ON pn.plan_id = ${model.plan}` : ''));
    const byLineOfBusiness = widget(warehouse, (conn) => breakdown(conn, model, f, model.lob, 'line of business'));
    const specLabel = model.specialty && model.specialtyNames ? `coalesce(sn.specialty_name, ${model.specialty})` : model.specialty;
    const bySpecialty = widget(warehouse, (conn) => breakdown(conn, model, f, specLabel, 'specialty', model.specialty && model.specialtyNames ? `LEFT JOIN raw.specialties sn ON sn.specialty_code = ${model.specialty}` : ''),
    );
    const byNetwork = widget(warehouse, (conn) => breakdown(conn, model, f, model.network, 'network status'));
    const providerRisk = widget<{ columns: ColumnInfo[]; rows: Json[][] }>(warehouse, async (conn) => {
      const cols = await relationColumns(conn, 'marts', 'mart_provider_risk');
      if (!cols.size) return { available: false, reason: 'No marts.mart_provider_risk yet: it is built by the transform stage.' };
      // rank by the mart's own risk score; the dashboard does not invent a score of its own
      const score = [...cols].find((c) => /risk_score/i.test(c)) ?? [...cols].find((c) => /risk/i.test(c) && c !== 'provider_id');
      if (!score) return { available: false, reason: 'marts.mart_provider_risk has no risk score column.' };
      const reader = await conn.runAndReadAll(`SELECT * FROM marts.mart_provider_risk ORDER BY "${score.replaceAll('"', '""')}" DESC NULLS LAST LIMIT 15`);
      return { available: true, columns: await describeRelation(conn, 'marts.mart_provider_risk'), rows: reader.getRowsJson() as Json[][] };
    });
    const highCostClaimants = widget<{ rows: Claimant[] }>(warehouse, async (conn) => {
      const params: DuckDBValue[] = [];
      const where = filterSql(model, f, params);
      const rows = await objects(
        conn,
        `SELECT f.member_id, ${model.plan ? `any_value(${model.plan})` : 'NULL'} AS plan, count(*) AS claims, sum(f.paid_amount) AS paid, sum(f.allowed_amount) AS allowed
         FROM ${model.from(model.plan)} WHERE ${where} GROUP BY f.member_id ORDER BY paid DESC NULLS LAST, f.member_id LIMIT 10`,
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
}

export async function analyticsOptions(warehouse: WarehouseReader): Promise<Widget<AnalyticsOptions>> {
  return warehouse.use(async (conn) => {
    const model = await claimsModel(conn);
    if ('available' in model) return model;
    const range = await serviceRange(conn);
    let plans: { id: string; name: string }[] = [];
    if (model.plan) {
      const rows = await objects(
        conn,
        model.planNames
          ? `SELECT DISTINCT ${model.plan} AS id, coalesce(pn.plan_name, ${model.plan}) AS name FROM ${model.from(model.plan)} LEFT JOIN raw.plans pn ON pn.plan_id = ${model.plan} WHERE ${model.plan} IS NOT NULL ORDER BY name`
          : `SELECT DISTINCT ${model.plan} AS id, ${model.plan} AS name FROM ${model.from(model.plan)} WHERE ${model.plan} IS NOT NULL ORDER BY name`,
        [],
      );
      plans = rows.map((r) => ({ id: String(r.id), name: String(r.name) }));
    }
    return { available: true, plans, minDate: range?.min ?? null, maxDate: range?.max ?? null };
  });
}
