import { asOfDate, batchOfSql, HISTORY_START, HORIZON_END } from './timeline.ts';
import { SqlRandom, high32, low32, normal, pick } from './random.ts';

/** New enrollees per later batch, as a share of the initial membership. */
const MONTHLY_ENROLMENT = 0.008;

function newEnrolleesPerBatch(members: number): number {
  return Math.max(1, Math.round(members * MONTHLY_ENROLMENT));
}

function memberUniverseSize(members: number, batch: number): number {
  return members + (batch - 1) * newEnrolleesPerBatch(members);
}

/**
 * SQL creating `m_universe`: every member who exists by the last requested batch, with their
 * initial state and the dates of the changes that happen to them later (move, plan change,
 * termination). A member's state in batch k is computed from these dates.
 */
export function memberUniverseSql(seed: number, members: number, batch: number): string {
  const r = new SqlRandom(seed);
  const total = memberUniverseSize(members, batch);
  const perBatch = newEnrolleesPerBatch(members);
  const h = (k: number) => r.hash(100 + k, 'i');
  const horizonDays = `date_diff('day', DATE '${HISTORY_START}', DATE '${HORIZON_END}')`;
  return `CREATE OR REPLACE TABLE m_universe AS
WITH draws AS (
  SELECT i AS idx,
    CASE WHEN i < ${members} THEN 1 ELSE 2 + (i - ${members}) // ${perBatch} END AS enroll_batch,
    ${low32(h(1))} AS u_plan, ${high32(h(1))} AS u_age,
    ${low32(h(2))} AS u_age2, ${high32(h(2))} AS u_gender,
    ${low32(h(3))} AS u_first, ${high32(h(3))} AS u_last,
    ${low32(h(4))} AS u_city, ${high32(h(4))} AS u_street,
    ${low32(h(5))} AS u_house, ${high32(h(5))} AS u_cov,
    ${low32(h(6))} AS u_cov2, ${high32(h(6))} AS u_term,
    ${low32(h(7))} AS u_termd, ${high32(h(7))} AS u_move,
    ${low32(h(8))} AS u_moved, ${high32(h(8))} AS u_city2,
    ${low32(h(9))} AS u_street2, ${high32(h(9))} AS u_house2,
    ${low32(h(10))} AS u_plan2, ${high32(h(10))} AS u_plan2d,
    ${low32(h(11))} AS u_util1, ${high32(h(11))} AS u_util2,
    ${low32(h(12))} AS u_upd, ${high32(h(12))} AS u_bday,
    ${low32(h(13))} AS u_evt1, ${high32(h(13))} AS u_evt2
  FROM range(${total}) t(i)
),
who AS (
  SELECT d.*,
    ${pick('lk.plan_slot', 'u_plan')} AS plan_idx
  FROM draws d, lk
),
aged AS (
  SELECT w.*,
    lk.plan_lob[plan_idx + 1] AS lob,
    CASE lk.plan_lob[plan_idx + 1]
      WHEN 'medicare_advantage' THEN
        CASE WHEN lk.plan_min_age[plan_idx + 1] < 65 AND u_age2 < 0.25 THEN 18 + floor(u_age * 47)
             ELSE 65 + least(35, floor(-9.0 * ln(1.0 - u_age))) END
      WHEN 'medicaid' THEN CASE WHEN u_age2 < 0.45 THEN floor(u_age * 18) ELSE 18 + floor(u_age * 47) END
      ELSE floor(65 * pow(u_age, 0.85))
    END::INTEGER AS age,
    CASE WHEN u_gender < 0.505 THEN 'F' WHEN u_gender < 0.995 THEN 'M' ELSE 'U' END AS gender
  FROM who w, lk
),
dated AS (
  SELECT a.*,
    (DATE '${asOfDate(1)}' - to_years(age) - to_days(floor(u_bday * 365)::INTEGER))::DATE AS birth_date
  FROM aged a
),
covered AS (
  SELECT d.*,
    CASE WHEN enroll_batch > 1 THEN (DATE '2025-06-01' + to_months(enroll_batch - 1))::DATE
    ELSE greatest(
      CASE WHEN u_cov < 0.45 THEN DATE '2015-01-01' + to_months(floor(u_cov2 * 108)::INTEGER)
           ELSE DATE '${HISTORY_START}' + to_months(floor(u_cov2 * 18)::INTEGER) END,
      date_trunc('month', birth_date) + INTERVAL 1 MONTH,
      CASE WHEN lob = 'medicare_advantage' AND age >= 65 THEN date_trunc('month', birth_date + to_years(65)) ELSE DATE '1900-01-01' END
    )::DATE END AS coverage_start
  FROM dated d
),
events AS (
  SELECT c.*,
    -- about a third of members end coverage somewhere on the horizon
    CASE WHEN u_term < 0.30 THEN last_day(greatest(coverage_start, DATE '${HISTORY_START}')
      + to_months(floor(u_termd * (date_diff('month', greatest(coverage_start, DATE '${HISTORY_START}'), DATE '${HORIZON_END}') + 1))::INTEGER)) END AS term_date,
    CASE WHEN u_move < 0.30 THEN (DATE '${HISTORY_START}' + to_days(floor(u_moved * ${horizonDays})::INTEGER))::DATE END AS move_raw,
    CASE WHEN u_plan2 < 0.15 THEN (DATE '${HISTORY_START}' + to_days(floor(u_plan2d * ${horizonDays})::INTEGER))::DATE END AS plan_change_raw
  FROM covered c
)
SELECT * EXCLUDE (plan_idx2_raw, plan_idx2_alt, plan_change_raw2),
  CASE WHEN plan_idx2_raw <> plan_idx THEN plan_idx2_raw ELSE plan_idx2_alt END AS plan_idx2,
  CASE WHEN plan_idx2_raw <> plan_idx OR plan_idx2_alt <> plan_idx THEN plan_change_raw2 END AS plan_change_date
FROM (
SELECT e.idx, e.enroll_batch,
  'M' || lpad((e.idx + 1)::VARCHAR, 9, '0') AS member_id,
  CASE WHEN e.gender = 'F' OR (e.gender = 'U' AND e.u_first < 0.5) THEN ${pick('lk.first_f', 'u_first')} ELSE ${pick('lk.first_m', 'u_first')} END AS first_name,
  ${pick('lk.last_names', 'u_last')} AS last_name,
  e.birth_date, e.age, e.gender, e.lob,
  e.plan_idx,
  (floor(e.u_house * 9890) + 10)::INTEGER || ' ' || ${pick('lk.streets', 'u_street')} AS street,
  ${pick('lk.city_slot', 'u_city')} AS city_idx,
  e.coverage_start, e.term_date,
  CASE WHEN e.move_raw > e.coverage_start AND (e.term_date IS NULL OR e.move_raw < e.term_date) THEN e.move_raw END AS move_date,
  (floor(e.u_house2 * 9890) + 10)::INTEGER || ' ' || ${pick('lk.streets', 'u_street2')} AS street2,
  ${pick('lk.city_slot', 'u_city2')} AS city_idx2,
  CASE WHEN e.plan_change_raw > e.coverage_start AND (e.term_date IS NULL OR e.plan_change_raw < e.term_date) THEN e.plan_change_raw END AS plan_change_raw2,
  -- a different plan in the same line of business (the next one when the draw repeats the current plan)
  CASE e.lob WHEN 'commercial' THEN ${pick('lk.plan_slot_commercial', 'u_plan2')}
             WHEN 'medicare_advantage' THEN ${pick('lk.plan_slot_medicare_advantage', 'u_plan2')}
             ELSE ${pick('lk.plan_slot_medicaid', 'u_plan2')} END AS plan_idx2_raw,
  CASE e.lob WHEN 'commercial' THEN ${pick('lk.plan_slot_commercial', '((e.u_plan2 + 0.5) % 1.0)')}
             WHEN 'medicare_advantage' THEN ${pick('lk.plan_slot_medicare_advantage', '((e.u_plan2 + 0.5) % 1.0)')}
             ELSE ${pick('lk.plan_slot_medicaid', '((e.u_plan2 + 0.5) % 1.0)')} END AS plan_idx2_alt,
  -- record creation shortly after coverage starts, with a time of day
  e.coverage_start::TIMESTAMP + to_seconds(floor(e.u_upd * 86400 * 5)::BIGINT) AS created_at,
  floor(e.u_evt1 * 86400)::INTEGER AS event_second_1,
  floor(e.u_evt2 * 86400)::INTEGER AS event_second_2,
  -- utilisation rises with age; a lognormal factor makes a few members heavy users
  (CASE WHEN e.age < 5 THEN 1.5 WHEN e.age < 18 THEN 0.7 WHEN e.age < 35 THEN 0.75 WHEN e.age < 50 THEN 1.0
        WHEN e.age < 65 THEN 1.5 WHEN e.age < 75 THEN 2.3 ELSE 2.8 END)
    * CASE WHEN e.gender = 'F' AND e.age BETWEEN 18 AND 45 THEN 1.3 ELSE 1.0 END
    * exp(0.9 * ${normal('e.u_util1', 'e.u_util2')} - 0.405) AS utilisation
FROM events e, lk
)
ORDER BY idx`;
}

/** Batch of each change event, for emission and versioning. */
const b = (d: string) => batchOfSql(d);

/** SQL: the members file rows of batch k, as typed values, in member order. */
export function memberBatchSql(batch: number): string {
  const asOf = `DATE '${asOfDate(batch)}'`;
  const changedInBatch =
    batch === 1
      ? 'true'
      : `(${b('coverage_start')} = ${batch} OR ${b('move_date')} = ${batch} OR ${b('plan_change_date')} = ${batch} OR ${b('term_date')} = ${batch})`;
  return `SELECT m.idx, m.member_id, m.first_name, m.last_name, m.birth_date, m.gender,
    CASE WHEN m.move_date <= ${asOf} THEN m.street2 ELSE m.street END AS street,
    lk.city_name[city + 1] AS city, lk.city_state[city + 1] AS state, lk.city_zip[city + 1] AS zip, lk.city_county[city + 1] AS county,
    lk.plan_id[plan + 1] AS plan_id, m.lob AS line_of_business,
    m.coverage_start,
    CASE WHEN m.term_date <= ${asOf} THEN m.term_date END AS coverage_end,
    greatest(m.created_at,
      CASE WHEN m.move_date <= ${asOf} THEN m.move_date::TIMESTAMP + to_seconds(m.event_second_1) END,
      CASE WHEN m.plan_change_date <= ${asOf} THEN m.plan_change_date::TIMESTAMP + to_seconds(m.event_second_2) END,
      CASE WHEN m.term_date <= ${asOf} THEN m.term_date::TIMESTAMP + to_seconds(m.event_second_1) END
    ) AS updated_at
  FROM (
    SELECT *,
      CASE WHEN move_date <= ${asOf} THEN city_idx2 ELSE city_idx END AS city,
      CASE WHEN plan_change_date <= ${asOf} THEN plan_idx2 ELSE plan_idx END AS plan
    FROM m_universe
    WHERE coverage_start <= ${asOf} AND ${changedInBatch}
  ) m, lk
  ORDER BY m.idx`;
}
