import { asOfDate, batchOfSql, HISTORY_START, HORIZON_END } from './timeline.ts';
import { SqlRandom, high32, low32, normal, pick } from './random.ts';
import { literal } from '../duckdb/sql.ts';
import { flattened } from './lookups.ts';

/** NPIs are a bijection of the provider index onto 9-digit bases starting with 1 or 2. */
const NPI_SPACE = 200_000_000;
const NPI_MULTIPLIER = 123_456_791; // coprime with NPI_SPACE, so distinct indexes give distinct NPIs

/** SQL: NPI (with Luhn check digit over the 80840 prefix) for a provider-space index. */
export function npiSql(seed: number, indexExpr: string): string {
  const base = `(100000000 + ((${indexExpr} + ${seed % 1000}) * ${NPI_MULTIPLIER}) % ${NPI_SPACE})`;
  const digit = (pos: number) => `((${base} // ${10 ** (9 - pos)}) % 10)`;
  const doubled = (d: string) => `(CASE WHEN ${d} * 2 > 9 THEN ${d} * 2 - 9 ELSE ${d} * 2 END)`;
  // Luhn from the right over "80840" + base: base digits 9,7,5,3,1 are doubled; the prefix adds 24.
  const sum = [1, 3, 5, 7, 9].map((p) => doubled(digit(p))).concat([2, 4, 6, 8].map(digit)).join(' + ');
  return `(${base}::VARCHAR || ((10 - (24 + ${sum}) % 10) % 10)::VARCHAR)`;
}

/** Check digit of an NPI's first nine digits, the way the cleanse stage verifies it (for tests). */
function npiCheckDigit(first9: string): number {
  const digits = `80840${first9}`.split('').map(Number);
  let sum = 0;
  for (let i = digits.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = digits[i]!;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidNpi(npi: string): boolean {
  return /^[12]\d{9}$/.test(npi) && npiCheckDigit(npi.slice(0, 9)) === Number(npi[9]);
}

const CREDENTIAL: Record<string, string> = {
  nurse_practitioner: 'NP',
  physician_assistant: 'PA-C',
  chiropractic: 'DC',
  physical_therapy: 'PT',
  optometry: 'OD',
  podiatry: 'DPM',
  psychologist: 'PhD',
  clinical_social_worker: 'LCSW',
};

const ORG_SUFFIXES: Record<string, string[]> = {
  general_acute_care_hospital: ['General Hospital', 'Medical Center', 'Memorial Hospital', 'Regional Medical Center'],
  psychiatric_hospital: ['Behavioral Health Hospital', 'Psychiatric Center'],
  skilled_nursing_facility: ['Nursing and Rehabilitation Center', 'Care Center', 'Skilled Nursing'],
  home_health_agency: ['Home Health', 'Home Care Services'],
  ambulatory_surgical_center: ['Surgery Center', 'Ambulatory Surgery Center'],
  pharmacy: ['Pharmacy', 'Apothecary'],
  retail_pharmacy: ['Drug', 'Pharmacy', 'Family Pharmacy'],
  specialty_pharmacy: ['Specialty Pharmacy', 'Specialty Rx'],
  clinical_laboratory: ['Medical Laboratory', 'Diagnostic Laboratories'],
  radiology_clinic: ['Imaging Center', 'Radiology Associates'],
  urgent_care_clinic: ['Urgent Care', 'Walk-In Clinic'],
  multi_specialty_clinic: ['Medical Group', 'Physicians Group', 'Health Partners'],
  durable_medical_equipment: ['Medical Supply', 'Home Medical Equipment'],
};

function orgSuffixSql(specCode: string, u: string): string {
  const cases = Object.entries(ORG_SUFFIXES)
    .map(([code, list]) => `WHEN ${literal(code)} THEN ${pick(`[${list.map(literal).join(', ')}]`, u)}`)
    .join(' ');
  return `CASE ${specCode} ${cases} ELSE 'Health Services' END`;
}

function credentialSql(specCode: string, u: string): string {
  const cases = Object.entries(CREDENTIAL)
    .map(([code, cred]) => `WHEN ${literal(code)} THEN ${literal(cred)}`)
    .join(' ');
  return `CASE ${specCode} ${cases} ELSE CASE WHEN ${u} < 0.22 THEN 'DO' ELSE 'MD' END END`;
}

/**
 * SQL creating `p_universe`: every provider with its initial state, the dates it moves or changes
 * network status, and its claim volume weight.
 */
export function providerUniverseSql(seed: number, providers: number): string {
  const r = new SqlRandom(seed);
  const h = (k: number) => r.hash(300 + k, 'i');
  const horizonDays = `date_diff('day', DATE '${HISTORY_START}', DATE '${HORIZON_END}')`;
  // The first few providers cover every claim type, so even a tiny network can bill everything.
  const forced = `CASE i WHEN 0 THEN lk.spec_hospital[1] WHEN 1 THEN list_position(lk.spec_code, 'retail_pharmacy') - 1
    WHEN 2 THEN list_position(lk.spec_code, 'family_medicine') - 1 END`;
  return `CREATE OR REPLACE TABLE p_universe AS
WITH d AS (
  SELECT i AS idx,
    coalesce(${forced}, ${pick('lk.spec_slot', low32(h(1)))}) AS spec,
    ${high32(h(1))} AS u_name, ${low32(h(2))} AS u_first, ${high32(h(2))} AS u_last,
    ${low32(h(3))} AS u_city, ${high32(h(3))} AS u_street, ${low32(h(4))} AS u_house, ${high32(h(4))} AS u_net,
    ${low32(h(5))} AS u_flip, ${high32(h(5))} AS u_flipd, ${low32(h(6))} AS u_move, ${high32(h(6))} AS u_moved,
    ${low32(h(7))} AS u_city2, ${high32(h(7))} AS u_street2, ${low32(h(8))} AS u_upd, ${high32(h(8))} AS u_cred,
    ${low32(h(9))} AS u_vol1, ${high32(h(9))} AS u_vol2, ${low32(h(10))} AS u_sec
  FROM range(${providers}) t(i), lk
)
SELECT d.idx,
  ${npiSql(seed, 'd.idx')} AS provider_id,
  d.spec,
  lk.spec_code[d.spec + 1] AS specialty_code,
  lk.spec_taxonomy[d.spec + 1] AS taxonomy_code,
  lk.spec_provider_type[d.spec + 1] AS provider_type,
  lk.spec_claim_type[d.spec + 1] AS claim_type_ix,
  CASE WHEN lk.spec_provider_type[d.spec + 1] = 'individual'
    THEN CASE WHEN d.u_first < 0.5 THEN ${pick('lk.first_f', 'd.u_name')} ELSE ${pick('lk.first_m', 'd.u_name')} END
         || ' ' || ${pick('lk.last_names', 'd.u_last')} || ', ' || ${credentialSql('lk.spec_code[d.spec + 1]', 'd.u_cred')}
    ELSE CASE WHEN d.u_first < 0.5 THEN lk.city_name[${pick('lk.city_slot', 'd.u_city')} + 1] ELSE ${pick('lk.last_names', 'd.u_last')} END
         || ' ' || ${orgSuffixSql('lk.spec_code[d.spec + 1]', 'd.u_name')}
  END AS provider_name,
  (floor(d.u_house * 9890) + 10)::INTEGER || ' ' || ${pick('lk.streets', 'd.u_street')} AS street,
  ${pick('lk.city_slot', 'd.u_city')} AS city_idx,
  (floor(d.u_house * 7919 % 1 * 9890) + 10)::INTEGER || ' ' || ${pick('lk.streets', 'd.u_street2')} AS street2,
  ${pick('lk.city_slot', 'd.u_city2')} AS city_idx2,
  d.u_net < 0.88 AS initially_in_network,
  CASE WHEN d.u_flip < 0.12 THEN (DATE '${HISTORY_START}' + to_days(floor(d.u_flipd * ${horizonDays})::INTEGER))::DATE END AS network_change_date,
  CASE WHEN d.u_move < 0.08 THEN (DATE '${HISTORY_START}' + to_days(floor(d.u_moved * ${horizonDays})::INTEGER))::DATE END AS move_date,
  (DATE '2023-01-01' + to_days(floor(d.u_upd * 365)::INTEGER))::TIMESTAMP + to_seconds(floor(d.u_sec * 86400)::INTEGER) AS created_at,
  floor(d.u_sec * 7919 % 1 * 86400)::INTEGER AS event_second,
  -- claim volume: organisations bill far more; out-of-network providers see fewer plan members
  exp(0.9 * ${normal('d.u_vol1', 'd.u_vol2')}) * CASE WHEN lk.spec_provider_type[d.spec + 1] = 'organization' THEN 6.0 ELSE 1.0 END
    * CASE WHEN d.u_net < 0.88 THEN 1.0 ELSE 0.35 END AS volume
FROM d, lk
ORDER BY d.idx`;
}

const b = (d: string) => batchOfSql(d);

/** SQL: the providers file rows of batch k, in provider order. */
export function providerBatchSql(batch: number): string {
  const asOf = `DATE '${asOfDate(batch)}'`;
  const changed = batch === 1 ? 'true' : `(${b('network_change_date')} = ${batch} OR ${b('move_date')} = ${batch})`;
  return `SELECT p.idx, p.provider_id, p.provider_name, p.provider_type, p.specialty_code, p.taxonomy_code,
    CASE WHEN p.move_date <= ${asOf} THEN p.street2 ELSE p.street END AS street,
    lk.city_name[city + 1] AS city, lk.city_state[city + 1] AS state, lk.city_zip[city + 1] AS zip,
    CASE WHEN coalesce(p.network_change_date <= ${asOf}, false) <> p.initially_in_network THEN 'in_network' ELSE 'out_of_network' END AS network_status,
    greatest(p.created_at,
      CASE WHEN p.move_date <= ${asOf} THEN p.move_date::TIMESTAMP + to_seconds(p.event_second) END,
      CASE WHEN p.network_change_date <= ${asOf} THEN p.network_change_date::TIMESTAMP + to_seconds(p.event_second) END
    ) AS updated_at
  FROM (SELECT *, CASE WHEN move_date <= ${asOf} THEN city_idx2 ELSE city_idx END AS city FROM p_universe WHERE ${changed}) p, lk
  ORDER BY p.idx`;
}

/** SQL creating `pk`: one row of provider lookups and per-claim-type weighted slot lists. */
export function providerLookupsSql(): string {
  const slots = (ct: number) => `(SELECT list(idx ORDER BY idx) FROM (
      SELECT idx, unnest(range(greatest(1, round(volume / sum(volume) OVER () * 65536))::BIGINT)) AS _s
      FROM p_universe WHERE claim_type_ix = ${ct}))`;
  return `CREATE OR REPLACE TABLE pk AS SELECT
    (SELECT list(provider_id ORDER BY idx) FROM p_universe) AS p_npi,
    (SELECT list(spec ORDER BY idx) FROM p_universe) AS p_spec,
    (SELECT list(initially_in_network ORDER BY idx) FROM p_universe) AS p_in_network,
    (SELECT list(coalesce(network_change_date, DATE '9999-12-31') ORDER BY idx) FROM p_universe) AS p_network_change,
    [${slots(0)}, ${slots(1)}, ${slots(2)}] AS p_slots`;
}

/** Flattens pk's per-claim-type slot lists (see flattened()). */
export function providerLookupsFlattenSql(): string {
  return `CREATE OR REPLACE TABLE pk AS SELECT * EXCLUDE (p_slots), ${flattened('p_slots')} FROM pk`;
}
