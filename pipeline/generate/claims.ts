import { asOfDate, batchOfSql, HISTORY_MONTHS, HISTORY_START } from './timeline.ts';
import { SqlRandom, high32, low32, normalFromTable, pick, pickIn } from './random.ts';

/**
 * Claims are generated in blocks: block 1 holds the `claims` services of the 18-month history
 * window before the first extract; block k >= 2 holds one month of new services (claims / 18).
 * Batch k carries every claim whose state changed in month k (including first receipt).
 */
function monthlyClaims(claims: number): number {
  return Math.round(claims / HISTORY_MONTHS);
}

export interface Block {
  block: number;
  base: number; // first claim ordinal of the block
  size: number;
  windowStart: string;
  windowEnd: string;
}

export function claimBlocks(claims: number, batch: number): Block[] {
  const blocks: Block[] = [{ block: 1, base: 0, size: claims, windowStart: HISTORY_START, windowEnd: asOfDate(1) }];
  const monthly = monthlyClaims(claims);
  for (let k = 2; k <= batch; k++) {
    const prevEnd = new Date(`${asOfDate(k - 1)}T00:00:00Z`);
    const start = new Date(prevEnd.getTime() + 86_400_000).toISOString().slice(0, 10);
    blocks.push({ block: k, base: claims + (k - 2) * monthly, size: monthly, windowStart: start, windowEnd: asOfDate(k) });
  }
  return blocks;
}

/**
 * SQL creating `m_blocks`: for each block, each member with at least one claim in it, with the
 * member's claim count and the ordinal of their first claim. Counts are proportional to
 * utilisation x days covered in the window, and sum exactly to the block size (integer cumulative
 * shares, so no rounding drift).
 */
export function memberBlocksSql(blocks: Block[]): string {
  const perBlock = blocks.map(
    (b) => `SELECT ${b.block} AS block, ${b.base}::BIGINT AS base, ${b.size}::BIGINT AS size, idx,
      greatest(coverage_start, DATE '${b.windowStart}') AS eff_start,
      date_diff('day', greatest(coverage_start, DATE '${b.windowStart}'), least(coalesce(term_date, DATE '${b.windowEnd}'), DATE '${b.windowEnd}')) + 1 AS eff_days
    FROM m_universe`,
  );
  return `CREATE OR REPLACE TABLE m_blocks AS
WITH w AS (
  SELECT x.*, CASE WHEN eff_days > 0 THEN round(m.utilisation * eff_days * 1000)::BIGINT ELSE 0 END AS weight
  FROM (${perBlock.join('\nUNION ALL\n')}) x JOIN m_universe m USING (idx)
),
c AS (
  SELECT *, sum(weight) OVER (PARTITION BY block ORDER BY idx ROWS UNBOUNDED PRECEDING) AS cum,
    sum(weight) OVER (PARTITION BY block) AS total
  FROM w
),
n AS (
  SELECT *,
    CASE WHEN total = 0 THEN 0 ELSE (size::HUGEINT * cum // total) END AS hi,
    CASE WHEN total = 0 THEN 0 ELSE (size::HUGEINT * (cum - weight) // total) END AS lo
  FROM c
)
SELECT row_number() OVER (ORDER BY n.block, m.idx)::INTEGER - 1 AS mrow,
  n.block, n.base + n.lo::BIGINT AS first_ordinal, (n.hi - n.lo)::BIGINT AS cnt, n.eff_start, n.eff_days,
  m.idx AS member_idx, m.member_id, m.birth_date, m.gender, m.lob, m.plan_idx, m.plan_idx2, m.plan_change_date
FROM n JOIN m_universe m USING (idx)
WHERE n.hi > n.lo
ORDER BY mrow`;
}

const MEMBER_BLOCK_COLUMNS = ['eff_start', 'eff_days', 'member_id', 'birth_date', 'gender', 'lob', 'plan_idx', 'plan_idx2', 'plan_change_date'];

/**
 * SQL creating `claim_skel` for the claim ordinals [lo, hi): one row per claim with its member's
 * block attributes, in ordinal order. The claims query scans this table, which DuckDB spreads over
 * all threads by row group while keeping order; built per part, it stays small.
 */
export function claimSkeletonSql(lo: number, hi: number): string {
  return `CREATE OR REPLACE TABLE claim_skel AS
    SELECT ${MEMBER_BLOCK_COLUMNS.join(', ')}, ordinal FROM (
      SELECT ${MEMBER_BLOCK_COLUMNS.join(', ')}, first_ordinal + unnest(range(cnt)) AS ordinal
      FROM m_blocks WHERE first_ordinal < ${hi} AND first_ordinal + cnt > ${lo})
    WHERE ordinal >= ${lo} AND ordinal < ${hi}`;
}

/** Post-payment events: a share of paid claims is later adjusted or reversed. */
const ADJUSTED_SHARE = 0.035;
const REVERSED_SHARE = 0.01;

/**
 * SQL: typed rows of the claims file for `batch`, for the claims in `claim_skel` (see
 * claimSkeletonSql), in ordinal order. Every value is a function of (seed, ordinal) and of the member and provider it draws.
 */
export function claimRowsSql(seed: number, batch: number): string {
  const r = new SqlRandom(seed);
  const h = (k: number) => r.hash(500 + k, 'ordinal');
  const bOf = (d: string) => batchOfSql(d);
  return `
WITH expanded AS (
  SELECT s.*, lk.*, pk.*
  FROM claim_skel s, lk, pk
),
draws AS (
  SELECT e.*,
    ${low32(h(1))} AS u_date, ${high32(h(1))} AS u_weekend,
    ${low32(h(2))} AS u_type, ${high32(h(2))} AS u_provider,
    ${low32(h(3))} AS u_pos, ${high32(h(3))} AS u_los,
    ${low32(h(4))} AS u_lag1, ${high32(h(4))} AS u_lag2,
    ${low32(h(5))} AS u_dx1, ${high32(h(5))} AS u_dx2,
    ${low32(h(6))} AS u_affinity, ${high32(h(6))} AS u_nsec,
    ${low32(h(7))} AS u_sec1, ${high32(h(7))} AS u_sec2,
    ${low32(h(8))} AS u_sec3, ${high32(h(8))} AS u_deny,
    ${low32(h(9))} AS u_amt1, ${high32(h(9))} AS u_amt2,
    ${low32(h(10))} AS u_ratio1, ${high32(h(10))} AS u_ratio2,
    ${low32(h(11))} AS u_adj1, ${high32(h(11))} AS u_adj2,
    ${low32(h(12))} AS u_reason, ${high32(h(12))} AS u_reason2,
    ${low32(h(13))} AS u_ded, ${high32(h(13))} AS u_dedamt,
    ${low32(h(14))} AS u_paylag, ${high32(h(14))} AS u_post,
    ${low32(h(15))} AS u_postd, ${high32(h(15))} AS u_postf,
    ${low32(h(16))} AS u_ingest, ${high32(h(16))} AS u_lag3,
    ${low32(h(17))} AS u_dx3
  FROM expanded e
),
service AS (
  SELECT d.*,
    (d.eff_start + floor(d.u_date * d.eff_days)::INTEGER) AS day0,
    date_diff('year', d.birth_date, d.eff_start) AS age0,
    -- older members fill more prescriptions and have more facility stays
    CASE WHEN d.u_type < 0.24 + CASE WHEN date_diff('year', d.birth_date, d.eff_start) >= 65 THEN 0.12 ELSE 0 END THEN 2
         WHEN d.u_type < 0.32 + CASE WHEN date_diff('year', d.birth_date, d.eff_start) >= 65 THEN 0.17 ELSE 0 END THEN 1
         ELSE 0 END AS ct
  FROM draws d
),
provider AS (
  SELECT s.*,
    ${pickIn('p_slots', 's.ct + 1', 's.u_provider')} AS prov,
    -- offices are mostly closed at weekends: move most professional weekend visits to a weekday
    CASE WHEN s.ct = 0 AND dayofweek(s.day0) IN (0, 6) AND s.u_weekend < 0.85 THEN
      CASE WHEN s.day0 - (CASE dayofweek(s.day0) WHEN 6 THEN 1 ELSE 2 END) >= s.eff_start
           THEN s.day0 - (CASE dayofweek(s.day0) WHEN 6 THEN 1 ELSE 2 END)
           ELSE s.day0 + (CASE dayofweek(s.day0) WHEN 6 THEN 2 ELSE 1 END) END
      ELSE s.day0 END AS service_from
  FROM service s
),
attrs AS (
  SELECT p.*,
    p_npi[p.prov + 1] AS provider_id,
    p_spec[p.prov + 1] AS spec,
    p_in_network[p.prov + 1] <> (p_network_change[p.prov + 1] <= p.service_from) AS in_network,
    date_diff('year', p.birth_date, p.service_from) - CASE WHEN strftime(p.service_from, '%m%d') < strftime(p.birth_date, '%m%d') THEN 1 ELSE 0 END AS age,
    CASE WHEN p.plan_change_date <= p.service_from THEN p.plan_idx2 ELSE p.plan_idx END AS plan
  FROM provider p
),
placed AS (
  SELECT a.*,
    CASE
      WHEN spec_code[a.spec + 1] = 'general_acute_care_hospital' THEN CASE WHEN a.u_pos < 0.22 THEN '21' WHEN a.u_pos < 0.52 THEN '23' ELSE '22' END
      WHEN spec_pos[a.spec + 1] = '11' THEN CASE WHEN a.u_pos < 0.07 THEN '02' WHEN a.u_pos < 0.12 THEN '10' ELSE '11' END
      ELSE spec_pos[a.spec + 1]
    END AS pos
  FROM attrs a
),
coded AS (
  SELECT p.*,
    CASE WHEN p.pos IN ('21', '51', '61') THEN 1 + least(45, floor(exp(1.1 + 0.6 * ${normalFromTable('p.u_los')}))::INTEGER)
         WHEN p.pos IN ('31') THEN 5 + least(90, floor(exp(2.6 + 0.5 * ${normalFromTable('p.u_los')}))::INTEGER)
         ELSE 0 END AS los,
    -- candidate diagnoses: the specialty's own case mix most of the time, else the month's mix
    CASE WHEN spec_dx_len[p.spec + 1] > 0 AND p.u_affinity < 0.65 THEN ${pickIn('spec_dx', 'p.spec + 1', 'p.u_dx1')}
         ELSE ${pickIn('dx_month', 'month(p.service_from)', 'p.u_dx1')} END AS dx_a,
    ${pickIn('dx_month', 'month(p.service_from)', 'p.u_dx2')} AS dx_b,
    ${pickIn('dx_month', 'month(p.service_from)', 'p.u_dx3')} AS dx_c,
    ${pick('dx_secondary', 'p.u_sec1')} AS sx1,
    ${pick('dx_secondary', 'p.u_sec2')} AS sx2,
    ${pick('dx_secondary', 'p.u_sec3')} AS sx3
  FROM placed p
),
dx AS (
  SELECT c.*,
    CASE WHEN ${fits('c.dx_a', 'c.age', 'c.gender')} THEN c.dx_a WHEN ${fits('c.dx_b', 'c.age', 'c.gender')} THEN c.dx_b
         WHEN ${fits('c.dx_c', 'c.age', 'c.gender')} THEN c.dx_c ELSE dx_fallback END AS dx1,
    least(3, floor(c.u_nsec * (CASE WHEN c.age < 18 THEN 1.3 WHEN c.age < 65 THEN 2.4 ELSE 3.8 END + CASE WHEN c.los > 0 THEN 1.5 ELSE 0 END)))::INTEGER AS nsec
  FROM coded c
),
cand AS (
  SELECT d.*,
    CASE WHEN d.nsec >= 1 AND d.sx1 <> d.dx1 AND ${fits('d.sx1', 'd.age', 'd.gender')} THEN d.sx1 END AS c1,
    CASE WHEN d.nsec >= 2 AND d.sx2 <> d.dx1 AND d.sx2 <> d.sx1 AND ${fits('d.sx2', 'd.age', 'd.gender')} THEN d.sx2 END AS c2,
    CASE WHEN d.nsec >= 3 AND d.sx3 <> d.dx1 AND d.sx3 <> d.sx1 AND d.sx3 <> d.sx2 AND ${fits('d.sx3', 'd.age', 'd.gender')} THEN d.sx3 END AS c3
  FROM dx d
),
sec AS (
  -- secondary codes packed to the front: no gaps between the first, second and third
  SELECT c.*,
    coalesce(c.c1, c.c2, c.c3) AS s1,
    CASE WHEN c.c1 IS NOT NULL THEN coalesce(c.c2, c.c3) WHEN c.c2 IS NOT NULL THEN c.c3 END AS s2,
    CASE WHEN c.c1 IS NOT NULL AND c.c2 IS NOT NULL THEN c.c3 END AS s3
  FROM cand c
),
money AS (
  SELECT s.*,
    (s.service_from + greatest(s.los - 1, 0)::INTEGER) AS service_to,
    -- billed: lognormal around a specialty and place-of-service scaled price
    greatest(500, least(150000000, round(16500
      * spec_cost[s.spec + 1]
      * CASE WHEN s.ct = 1 THEN pos_cost[list_position(pos_code, s.pos)] ELSE least(pos_cost[list_position(pos_code, s.pos)], 1.0) END
      * CASE WHEN s.los > 1 THEN pow(s.los, 0.6) ELSE 1 END
      * exp(CASE s.ct WHEN 0 THEN 0.75 WHEN 1 THEN 0.9 ELSE 1.15 END * ${normalFromTable('s.u_amt1')}))))::BIGINT AS billed_c,
    s.u_deny < spec_denial[s.spec + 1]
      * CASE WHEN s.in_network THEN 1.0 ELSE 1.9 END
      * CASE s.lob WHEN 'medicaid' THEN 1.15 WHEN 'medicare_advantage' THEN 0.9 ELSE 1.0 END AS denied,
    least(1.0, greatest(0.1, CASE WHEN s.in_network THEN plan_ratio_in[s.plan + 1] ELSE plan_ratio_out[s.plan + 1] END
      * exp(0.12 * ${normalFromTable('s.u_ratio1')}))) AS allowed_ratio
  FROM sec s
),
shares AS (
  SELECT m.*,
    CASE WHEN m.denied THEN 0 ELSE round(m.billed_c * m.allowed_ratio)::BIGINT END AS allowed_c,
    -- the deductible is mostly met early in the plan year
    CASE WHEN NOT m.denied AND plan_deductible[m.plan + 1] > 0 AND m.u_ded < 0.75 * greatest(0.08, 1.0 - (month(m.service_from) - 1) / 7.0)
      THEN round(plan_deductible[m.plan + 1] * 100 * (0.05 + 0.55 * m.u_dedamt))::BIGINT ELSE 0 END AS ded_want,
    (CASE m.ct WHEN 2 THEN plan_copay_rx[m.plan + 1] WHEN 1 THEN plan_copay_inst[m.plan + 1]
       ELSE CASE WHEN spec_primary_care[m.spec + 1] THEN plan_copay_pcp[m.plan + 1] ELSE plan_copay_spec[m.plan + 1] END END) * 100 AS copay_want,
    CASE WHEN m.ct = 1 OR (m.ct = 0 AND NOT spec_primary_care[m.spec + 1]) THEN plan_coins[m.plan + 1] ELSE 0 END AS coins_rate,
    CASE WHEN m.denied THEN
      CASE WHEN denial_code[${pick('denial_slot', 'm.u_reason')} + 1] = 'OUT_OF_NETWORK' AND m.in_network
           THEN denial_code[${pick('denial_slot_in_network', 'm.u_reason2')} + 1]
           ELSE denial_code[${pick('denial_slot', 'm.u_reason')} + 1] END
    END AS denial_reason_code
  FROM money m
),
split AS (
  SELECT s.*,
    least(s.ded_want, s.allowed_c) AS ded_c,
    least(s.copay_want, s.allowed_c - least(s.ded_want, s.allowed_c)) AS copay_c
  FROM shares s
),
paid AS (
  SELECT s.*,
    round((s.allowed_c - s.ded_c - s.copay_c) * s.coins_rate)::BIGINT AS coins_c,
    -- adjustments re-price the claim; member shares are kept within the new allowed amount
    least(s.billed_c, round(s.allowed_c * (0.75 + 0.4 * s.u_postf)))::BIGINT AS allowed2_c
  FROM split s
),
timeline AS (
  SELECT p.*,
    p.allowed_c - p.ded_c - p.copay_c - p.coins_c AS paid_c,
    least(p.ded_c, p.allowed2_c) AS ded2_c,
    least(p.copay_c, p.allowed2_c - least(p.ded_c, p.allowed2_c)) AS copay2_c,
    (p.service_to + (CASE p.ct WHEN 2 THEN 0
       WHEN 0 THEN 1 + least(200, floor(exp(1.9 + 0.8 * ${normalFromTable('p.u_lag1')})))::INTEGER
       ELSE 2 + least(200, floor(exp(2.5 + 0.7 * ${normalFromTable('p.u_lag1')})))::INTEGER END)::INTEGER) AS received
  FROM paid p
),
adjudication AS (
  SELECT t.*,
    round((t.allowed2_c - t.ded2_c - t.copay2_c) * t.coins_rate)::BIGINT AS coins2_c,
    (t.received + (CASE WHEN t.ct = 2 THEN 0 ELSE least(120, greatest(1, floor(exp(2.1 + 0.55 * ${normalFromTable('t.u_adj1')})
       * CASE WHEN t.ct = 1 THEN 1.35 ELSE 1.0 END * CASE WHEN t.in_network THEN 1.0 ELSE 1.45 END * CASE WHEN t.denied THEN 0.75 ELSE 1.0 END)))::INTEGER END)::INTEGER) AS adjudicated
  FROM timeline t
),
events AS (
  SELECT a.*,
    CASE WHEN a.denied THEN NULL WHEN a.ct = 2 THEN a.adjudicated ELSE (a.adjudicated + (1 + floor(a.u_paylag * 6))::INTEGER) END AS paid_on,
    CASE WHEN a.denied THEN a.adjudicated WHEN a.ct = 2 THEN a.adjudicated ELSE (a.adjudicated + (1 + floor(a.u_paylag * 6))::INTEGER) END AS finalised,
    CASE WHEN NOT a.denied AND a.u_post < ${ADJUSTED_SHARE} THEN 'adjusted'
         WHEN NOT a.denied AND a.u_post < ${ADJUSTED_SHARE + REVERSED_SHARE} THEN 'reversed' END AS post_kind
  FROM adjudication a
),
batches AS (
  SELECT e.*,
    (e.received + 2) AS pending_on,
    CASE WHEN e.post_kind IS NOT NULL THEN (e.finalised + (15 + floor(e.u_postd * 90))::INTEGER) END AS post_on
  FROM events e
),
versions AS (
  SELECT b.*,
    ${bOf('b.received')} AS b_received,
    CASE WHEN b.pending_on < b.finalised THEN ${bOf('b.pending_on')} ELSE ${bOf('b.received')} END AS b_pending,
    ${bOf('b.finalised')} AS b_final,
    CASE WHEN b.post_on IS NOT NULL THEN ${bOf('b.post_on')} ELSE 1000 END AS b_post
  FROM batches b
),
emitted AS (
  SELECT v.*,
    CASE WHEN v.b_post <= ${batch} THEN v.post_kind
         WHEN v.b_final <= ${batch} THEN CASE WHEN v.denied THEN 'denied' ELSE 'paid' END
         WHEN v.b_pending <= ${batch} AND v.pending_on < v.finalised THEN 'pending'
         ELSE 'received' END AS status,
    1 + (v.b_pending > v.b_received AND v.b_pending <= ${batch})::INTEGER
      + (v.b_final > v.b_pending AND v.b_final <= ${batch})::INTEGER
      + (v.b_post > v.b_final AND v.b_post <= ${batch})::INTEGER AS version
  FROM versions v
  WHERE v.b_received <= ${batch}
    AND (v.b_received = ${batch} OR v.b_pending = ${batch} OR v.b_final = ${batch} OR v.b_post = ${batch})
)
SELECT
  x.ordinal,
  'CLM' || right((10000000001 + x.ordinal)::VARCHAR, 10) AS claim_id,
  x.version AS claim_version,
  x.member_id,
  x.provider_id,
  ['professional', 'institutional', 'pharmacy'][x.ct + 1] AS claim_type,
  x.service_from, x.service_to,
  x.received AS received_date,
  CASE x.status WHEN 'received' THEN NULL WHEN 'pending' THEN NULL WHEN 'adjusted' THEN x.post_on WHEN 'reversed' THEN x.post_on ELSE x.adjudicated END AS adjudicated_date,
  CASE x.status WHEN 'paid' THEN x.paid_on WHEN 'adjusted' THEN x.post_on WHEN 'reversed' THEN x.post_on END AS paid_date,
  dx_code[x.dx1 + 1] AS primary_diagnosis_code,
  dx_code[x.s1 + 1] AS secondary_diagnosis_code_1,
  dx_code[x.s2 + 1] AS secondary_diagnosis_code_2,
  dx_code[x.s3 + 1] AS secondary_diagnosis_code_3,
  x.pos AS place_of_service,
  x.billed_c,
  CASE x.status WHEN 'paid' THEN x.allowed_c WHEN 'denied' THEN 0 WHEN 'adjusted' THEN x.allowed2_c WHEN 'reversed' THEN 0 END AS allowed_c,
  CASE x.status WHEN 'paid' THEN x.paid_c WHEN 'denied' THEN 0 WHEN 'adjusted' THEN x.allowed2_c - x.ded2_c - x.copay2_c - x.coins2_c WHEN 'reversed' THEN 0 END AS paid_amount_c,
  CASE x.status WHEN 'paid' THEN x.ded_c WHEN 'denied' THEN 0 WHEN 'adjusted' THEN x.ded2_c WHEN 'reversed' THEN 0 END AS deductible_c,
  CASE x.status WHEN 'paid' THEN x.copay_c WHEN 'denied' THEN 0 WHEN 'adjusted' THEN x.copay2_c WHEN 'reversed' THEN 0 END AS copay_c_out,
  CASE x.status WHEN 'paid' THEN x.coins_c WHEN 'denied' THEN 0 WHEN 'adjusted' THEN x.coins2_c WHEN 'reversed' THEN 0 END AS coinsurance_c,
  x.status AS claim_status,
  CASE WHEN x.status = 'denied' THEN x.denial_reason_code END AS denial_reason,
  make_timestamp(${extractStartMicros(batch)} + floor(x.u_ingest * 7200)::BIGINT * 1000000) AS ingestion_ts
FROM emitted x`;
}

/** Microseconds since the epoch of 01:00 on the day after batch k's as-of date: when its extract runs. */
function extractStartMicros(batch: number): number {
  return Date.parse(`${asOfDate(batch)}T00:00:00Z`) * 1000 + (24 + 1) * 3_600_000_000;
}

/** Is diagnosis index d plausible for this age and sex? (the lookup columns must be in scope.) */
function fits(d: string, age: string, gender: string): string {
  return `(${age} BETWEEN dx_min_age[${d} + 1] AND dx_max_age[${d} + 1] AND (dx_sex[${d} + 1] = 'any' OR dx_sex[${d} + 1] = ${gender}))`;
}
