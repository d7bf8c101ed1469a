// The SQL text deploy and destroy run, as pure functions of the settings and contracts: every
// statement is unit-tested as text (ddl.test.ts), including those the emulator cannot run (roles,
// grants, masking policies, warehouses), which are listed in docs/cloud.md as not exercised
// against a real account here. Names come from settings and are refused unless plain identifiers.

import { MASKED_EXTRA, MASKED_PII } from '../../contract-loader/pii.ts';
import type { ContractSet } from '../../contract-loader/types.ts';
import { literal, plainName } from '../names.ts';
import { rawTables, createRawTableSql } from '../raw-tables.ts';
import type { SnowflakeSettings } from '../settings.ts';

/** dbt's layer schemas (dbt/dbt_project.yml +schema; generate_schema_name uses them as they are) */
export const DBT_LAYER_SCHEMAS = ['STAGING', 'INTERMEDIATE', 'MARTS', 'SNAPSHOTS'] as const;

export const DEFAULTS = {
  fileFormat: 'HFC_PARQUET',
  stage: 'HFC_LAKE',
  readerRole: 'HFC_READER',
  piiRole: 'HFC_PII_READER',
  autoSuspendSeconds: 60,
} as const;


/** Every name deploy uses, upper case, checked. */
export function names(s: SnowflakeSettings) {
  const db = plainName(s.database, 'snowflake.database');
  const raw = plainName(s.schemas.raw, 'snowflake.schemas.raw');
  const o = s.objects ?? {};
  return {
    db,
    raw,
    dbt: plainName(s.schemas.dbt, 'snowflake.schemas.dbt'),
    warehouse: plainName(s.warehouse, 'snowflake.warehouse'),
    role: plainName(s.role, 'snowflake.role'),
    user: plainName(s.user, 'snowflake.user'),
    fileFormat: `${db}.${raw}.${plainName(o.fileFormat ?? DEFAULTS.fileFormat, 'snowflake.objects.file_format')}`,
    stage: `${db}.${raw}.${plainName(o.stage ?? DEFAULTS.stage, 'snowflake.objects.stage')}`,
    readerRole: plainName(o.readerRole ?? DEFAULTS.readerRole, 'snowflake.objects.reader_role'),
    piiRole: plainName(o.piiRole ?? DEFAULTS.piiRole, 'snowflake.objects.pii_role'),
    integration: s.storageIntegration ? plainName(s.storageIntegration, 'snowflake.storage_integration') : null,
  };
}

export type Names = ReturnType<typeof names>;

/** The schemas deploy creates: RAW, dbt's target schema and its layers. */
export function schemas(n: Names): string[] {
  return [...new Set([n.raw, n.dbt, ...DBT_LAYER_SCHEMAS])];
}

export const createDatabaseSql = (n: Names) => `CREATE DATABASE IF NOT EXISTS ${n.db}`;
export const createSchemaSql = (n: Names, schema: string) => `CREATE SCHEMA IF NOT EXISTS ${n.db}.${schema}`;
export const createFileFormatSql = (n: Names) => `CREATE FILE FORMAT IF NOT EXISTS ${n.fileFormat} TYPE = PARQUET`;

export function createStageSql(n: Names, s: SnowflakeSettings): string {
  if (s.loadRoute === 'internal_stage') return `CREATE STAGE IF NOT EXISTS ${n.stage} FILE_FORMAT = (FORMAT_NAME = ${literal(n.fileFormat)})`;
  if (!n.integration) throw new Error('snowflake.storage_integration is required for load route external_stage: the stage reads the lake through it (docs/cloud.md, "Storage integration").');
  const url = s.lakeUrl ?? '';
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(url)) throw new Error(`The lake URL "${url}" is not an s3://bucket/prefix URL (the external stage points at it).`);
  // no credentials: Snowflake assumes the integration's IAM role
  return `CREATE STAGE IF NOT EXISTS ${n.stage} URL = ${literal(`${url.replace(/\/+$/, '')}/`)} STORAGE_INTEGRATION = ${n.integration} FILE_FORMAT = (FORMAT_NAME = ${literal(n.fileFormat)})`;
}

export function createWarehouseSql(n: Names, s: SnowflakeSettings): string {
  const suspend = s.autoSuspendSeconds ?? DEFAULTS.autoSuspendSeconds;
  return `CREATE WAREHOUSE IF NOT EXISTS ${n.warehouse} WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = ${suspend} AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE`;
}

export const alterWarehouseSql = (n: Names, s: SnowflakeSettings) => `ALTER WAREHOUSE ${n.warehouse} SET AUTO_SUSPEND = ${s.autoSuspendSeconds ?? DEFAULTS.autoSuspendSeconds} AUTO_RESUME = TRUE`;

export const createRoleSql = (role: string) => `CREATE ROLE IF NOT EXISTS ${role}`;

/** What the read-only role may do: use the warehouse, read every table and view of the product's schemas (now and later). */
export function readerGrantsSql(n: Names): string[] {
  const r = n.readerRole;
  const out = [`GRANT USAGE ON WAREHOUSE ${n.warehouse} TO ROLE ${r}`, `GRANT USAGE ON DATABASE ${n.db} TO ROLE ${r}`];
  for (const schema of schemas(n)) {
    const s = `${n.db}.${schema}`;
    out.push(
      `GRANT USAGE ON SCHEMA ${s} TO ROLE ${r}`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ROLE ${r}`,
      `GRANT SELECT ON ALL VIEWS IN SCHEMA ${s} TO ROLE ${r}`,
      `GRANT SELECT ON FUTURE TABLES IN SCHEMA ${s} TO ROLE ${r}`,
      `GRANT SELECT ON FUTURE VIEWS IN SCHEMA ${s} TO ROLE ${r}`,
    );
  }
  // the PII role reads what the reader reads, in clear (an administrator grants it to the people
  // who may see PII); the reader role goes to the profile's user, whom the app signs in as
  out.push(`GRANT ROLE ${r} TO ROLE ${n.piiRole}`, `GRANT ROLE ${r} TO USER ${n.user}`);
  return out;
}

/** A masking policy per column type: the PII role and the pipeline's own role (dbt builds the layers from RAW) see values, others a mask. */
export function maskingPolicyName(n: Names, type: string): string {
  const suffix = type.replace(/[^A-Z0-9]+/gi, '_').replace(/_+$/, '').toUpperCase();
  return `${n.db}.${n.raw}.HFC_PII_MASK_${suffix}`;
}

export function maskExpression(type: string): string {
  return /^(VARCHAR|TEXT|STRING|CHAR)/i.test(type) ? "'***MASKED***'" : 'NULL';
}

export function maskingPolicyBody(n: Names, type: string): string {
  return `CASE WHEN IS_ROLE_IN_SESSION(${literal(n.piiRole)}) OR IS_ROLE_IN_SESSION(${literal(n.role)}) THEN val ELSE ${maskExpression(type)} END`;
}

export function createMaskingPolicySql(n: Names, type: string): string {
  return `CREATE MASKING POLICY IF NOT EXISTS ${maskingPolicyName(n, type)} AS (val ${type}) RETURNS ${type} -> ${maskingPolicyBody(n, type)}`;
}

export const alterMaskingPolicySql = (n: Names, type: string) => `ALTER MASKING POLICY ${maskingPolicyName(n, type)} SET BODY -> ${maskingPolicyBody(n, type)}`;

/** The masked columns of RAW: the contract's PII columns (MASKED_PII) and MASKED_EXTRA. */
export function maskedColumns(contracts: ContractSet): Array<{ table: string; column: string; type: string }> {
  const out: Array<{ table: string; column: string; type: string }> = [];
  for (const t of rawTables(contracts)) {
    for (const c of t.columns) {
      if ((c.pii && MASKED_PII.has(c.pii)) || MASKED_EXTRA.some((m) => m.table === t.name && m.column === c.name)) out.push({ table: t.name.toUpperCase(), column: c.name.toUpperCase(), type: c.type });
    }
  }
  return out;
}

export const setMaskingPolicySql = (n: Names, m: { table: string; column: string; type: string }) =>
  `ALTER TABLE ${n.db}.${n.raw}.${m.table} MODIFY COLUMN ${m.column} SET MASKING POLICY ${maskingPolicyName(n, m.type)}`;

export const rawTableSql = (n: Names, contracts: ContractSet) => rawTables(contracts).map((t) => ({ table: t.name.toUpperCase(), sql: createRawTableSql(n.db, n.raw, t) }));

// destroy
export const dropDatabaseSql = (n: Names) => `DROP DATABASE IF EXISTS ${n.db}`;
export const dropSchemaSql = (n: Names, schema: string) => `DROP SCHEMA IF EXISTS ${n.db}.${schema} CASCADE`;
export const dropRoleSql = (role: string) => `DROP ROLE IF EXISTS ${role}`;
export const dropWarehouseSql = (n: Names) => `DROP WAREHOUSE IF EXISTS ${n.warehouse}`;
