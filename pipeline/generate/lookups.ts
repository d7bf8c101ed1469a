import type { DuckDBConnection } from '@duckdb/node-api';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadReferenceTables } from '../contract-loader/reference.ts';
import type { ContractSet } from '../contract-loader/types.ts';
import { literal, literalList } from '../duckdb/sql.ts';
import type { Pools } from './pools.ts';
import { normalTableSql } from './random.ts';

const CITIES_FILE = join(dirname(fileURLToPath(import.meta.url)), 'data', 'us_cities.csv');

/** Size of weighted slot lists: an item with weight share s fills about s * SLOTS entries. */
const SLOTS = 8192;

/** SQL: a list of 0-based row indexes of `table`, each repeated in proportion to `weight`. */
function slotList(table: string, weight: string, where = 'true', slots = SLOTS): string {
  return `(SELECT list(idx ORDER BY idx) FROM (
      SELECT idx, unnest(range(greatest(1, round(${weight} / sum(${weight}) OVER () * ${slots}))::BIGINT)) AS _s
      FROM ${table} WHERE ${where}))`;
}

/**
 * Loads reference code sets and name pools, then builds `lk`: one row holding every lookup the
 * row generators need as lists. A cross join with one row keeps scans order-preserving, which a
 * hash join would not, and list indexing is as fast as a join here.
 */
export async function buildLookups(conn: DuckDBConnection, contracts: ContractSet, pools: Pools): Promise<void> {
  await loadReferenceTables(conn, contracts);
  const indexed = (table: string, key: string) =>
    conn.run(`CREATE OR REPLACE TABLE ${table}_ix AS SELECT row_number() OVER (ORDER BY ${key}) - 1 AS idx, * FROM ${table} ORDER BY idx`);
  await indexed('diagnoses', 'code');
  await indexed('specialties', 'specialty_code');
  await indexed('plans', 'plan_id');
  await indexed('places_of_service', 'code');
  await indexed('denial_reasons', 'code');
  await conn.run(`CREATE OR REPLACE TABLE cities_ix AS
    SELECT row_number() OVER (ORDER BY state, city, zip) - 1 AS idx, * FROM read_csv(${literal(CITIES_FILE)}, header = true,
      columns = {'city': 'VARCHAR', 'state': 'VARCHAR', 'zip': 'VARCHAR', 'county': 'VARCHAR', 'population_weight': 'DOUBLE'}, auto_detect = false)
    ORDER BY idx`);

  // Seasonal weight of a diagnosis in month m: winter codes peak Dec-Feb, summer codes Jun-Aug.
  const seasonal = (m: number) => {
    const winter = [3.0, 2.6, 1.8, 1.1, 0.6, 0.45, 0.4, 0.45, 0.7, 1.2, 1.9, 2.8][m - 1];
    const summer = [0.6, 0.6, 0.8, 1.0, 1.4, 2.0, 2.4, 2.2, 1.5, 1.0, 0.7, 0.6][m - 1];
    return `prevalence_weight * CASE seasonality WHEN 'winter' THEN ${winter} WHEN 'summer' THEN ${summer} ELSE 1.0 END`;
  };
  const dxMonth = Array.from({ length: 12 }, (_, i) => slotList('diagnoses_ix', seasonal(i + 1))).join(',\n');
  // A specialty's own case mix: diagnoses in its affinity categories ('any' means no restriction).
  const affinity = `(SELECT list(aff ORDER BY s.idx) FROM specialties_ix s, LATERAL (
      SELECT coalesce(list(idx ORDER BY idx), []) AS aff FROM (
        SELECT d.idx, unnest(range(greatest(1, round(d.prevalence_weight / sum(d.prevalence_weight) OVER () * 2048))::BIGINT)) AS _s
        FROM diagnoses_ix d
        WHERE s.diagnosis_affinity <> 'any' AND list_contains(string_split(s.diagnosis_affinity, '|'), d.category))))`;
  const fallback = `(SELECT idx FROM diagnoses_ix WHERE min_age = 0 AND max_age >= 100 AND sex = 'any' ORDER BY prevalence_weight DESC, code LIMIT 1)`;

  await conn.run(`CREATE OR REPLACE TABLE lk AS SELECT
    ${normalTableSql()} AS z_table,
    ${literalList(pools.femaleFirst)} AS first_f,
    ${literalList(pools.maleFirst)} AS first_m,
    ${literalList(pools.last)} AS last_names,
    ${literalList(pools.streets)} AS streets,
    ${slotList('cities_ix', 'population_weight')} AS city_slot,
    (SELECT list(city ORDER BY idx) FROM cities_ix) AS city_name,
    (SELECT list(state ORDER BY idx) FROM cities_ix) AS city_state,
    (SELECT list(zip ORDER BY idx) FROM cities_ix) AS city_zip,
    (SELECT list(county ORDER BY idx) FROM cities_ix) AS city_county,
    ${slotList('plans_ix', 'enrollment_weight')} AS plan_slot,
    ${slotList('plans_ix', 'enrollment_weight', "line_of_business = 'commercial'")} AS plan_slot_commercial,
    ${slotList('plans_ix', 'enrollment_weight', "line_of_business = 'medicare_advantage'")} AS plan_slot_medicare_advantage,
    ${slotList('plans_ix', 'enrollment_weight', "line_of_business = 'medicaid'")} AS plan_slot_medicaid,
    (SELECT list(plan_id ORDER BY idx) FROM plans_ix) AS plan_id,
    (SELECT list(line_of_business ORDER BY idx) FROM plans_ix) AS plan_lob,
    (SELECT list(min_age ORDER BY idx) FROM plans_ix) AS plan_min_age,
    (SELECT list(max_age ORDER BY idx) FROM plans_ix) AS plan_max_age,
    (SELECT list(annual_deductible ORDER BY idx) FROM plans_ix) AS plan_deductible,
    (SELECT list(copay_professional ORDER BY idx) FROM plans_ix) AS plan_copay_pcp,
    (SELECT list(copay_specialist ORDER BY idx) FROM plans_ix) AS plan_copay_spec,
    (SELECT list(copay_institutional ORDER BY idx) FROM plans_ix) AS plan_copay_inst,
    (SELECT list(copay_pharmacy ORDER BY idx) FROM plans_ix) AS plan_copay_rx,
    (SELECT list(coinsurance_rate ORDER BY idx) FROM plans_ix) AS plan_coins,
    (SELECT list(allowed_ratio_in_network ORDER BY idx) FROM plans_ix) AS plan_ratio_in,
    (SELECT list(allowed_ratio_out_of_network ORDER BY idx) FROM plans_ix) AS plan_ratio_out,
    ${slotList('specialties_ix', 'provider_share')} AS spec_slot,
    (SELECT list(specialty_code ORDER BY idx) FROM specialties_ix) AS spec_code,
    (SELECT list(specialty_name ORDER BY idx) FROM specialties_ix) AS spec_name,
    (SELECT list(taxonomy_code ORDER BY idx) FROM specialties_ix) AS spec_taxonomy,
    (SELECT list(provider_type ORDER BY idx) FROM specialties_ix) AS spec_provider_type,
    (SELECT list(CASE claim_type WHEN 'professional' THEN 0 WHEN 'institutional' THEN 1 ELSE 2 END ORDER BY idx) FROM specialties_ix) AS spec_claim_type,
    (SELECT list(default_place_of_service ORDER BY idx) FROM specialties_ix) AS spec_pos,
    (SELECT list(cost_multiplier ORDER BY idx) FROM specialties_ix) AS spec_cost,
    (SELECT list(base_denial_rate ORDER BY idx) FROM specialties_ix) AS spec_denial,
    (SELECT list(specialty_code IN ('family_medicine', 'internal_medicine', 'pediatrics', 'general_practice', 'nurse_practitioner', 'physician_assistant') ORDER BY idx) FROM specialties_ix) AS spec_primary_care,
    (SELECT list(idx ORDER BY idx) FROM specialties_ix WHERE specialty_code = 'general_acute_care_hospital') AS spec_hospital,
    ${affinity} AS spec_dx,
    (SELECT list(code ORDER BY idx) FROM diagnoses_ix) AS dx_code,
    (SELECT list(min_age ORDER BY idx) FROM diagnoses_ix) AS dx_min_age,
    (SELECT list(max_age ORDER BY idx) FROM diagnoses_ix) AS dx_max_age,
    (SELECT list(sex ORDER BY idx) FROM diagnoses_ix) AS dx_sex,
    [${dxMonth}] AS dx_month,
    ${slotList('diagnoses_ix', "prevalence_weight * CASE WHEN is_chronic THEN 3.0 ELSE 0.6 END")} AS dx_secondary,
    ${fallback} AS dx_fallback,
    (SELECT list(code ORDER BY idx) FROM places_of_service_ix) AS pos_code,
    (SELECT list(cost_multiplier ORDER BY idx) FROM places_of_service_ix) AS pos_cost,
    (SELECT list(code ORDER BY idx) FROM denial_reasons_ix) AS denial_code,
    ${slotList('denial_reasons_ix', 'weight')} AS denial_slot,
    ${slotList('denial_reasons_ix', 'weight', "applies_to = 'any'")} AS denial_slot_in_network`);
  await conn.run(`CREATE OR REPLACE TABLE lk AS SELECT * EXCLUDE (dx_month, spec_dx), ${flattened('dx_month')}, ${flattened('spec_dx')} FROM lk`);
}

/**
 * SQL: a list of lists as one flat list plus per-group offsets and lengths. Picking from
 * list[group] with a per-row group would copy the whole inner list for every row; picking from
 * the flat list by offset does not (see pickIn).
 */
export function flattened(col: string): string {
  return `flatten(${col}) AS ${col}_flat,
    list_transform(range(1, len(${col}) + 1), i -> coalesce(list_sum(list_transform(${col}[1:i - 1], x -> len(x))), 0)::INTEGER) AS ${col}_off,
    list_transform(${col}, x -> len(x)) AS ${col}_len`;
}
