// Deploy, check and destroy of the Snowflake objects on the cloud emulator (plan, apply, a second
// apply that changes nothing), and the text of the statements the emulator cannot run, which no
// real account checks here (docs/cloud.md lists them).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContracts } from '../../contract-loader/load.ts';
import type { EmulatorInfo } from '../../emulator/record.ts';
import { sharedEmulator } from '../../emulator/testing/shared.ts';
import { SnowflakeSession } from '../connection.ts';
import { emulatorSettings, testSecret } from '../testing/emulator-settings.ts';
import type { SnowflakeSettings } from '../settings.ts';
import { checkSnowflake } from './check.ts';
import * as ddl from './ddl.ts';
import { applyPlan, planChanges, planDeploy, planDestroy, planLines } from './plan.ts';

const contracts = loadContracts();
const env = { CLAIMS_TEST_SNOWFLAKE_PASSWORD: testSecret() };
let emulator: EmulatorInfo;
let s: SnowflakeSession;
let settings: SnowflakeSettings;

beforeAll(async () => {
  emulator = await sharedEmulator();
  settings = emulatorSettings(emulator, 'DEPLOY_TEST');
  s = await SnowflakeSession.open(settings, { env, database: null });
});

afterAll(async () => {
  await s?.close();
});

describe('Snowflake deploy on the emulator', () => {
  it('plans, applies, and a second deploy changes nothing; check passes; destroy removes', async () => {
    const first = await planDeploy(s, settings, contracts);
    const state = (kind: string) => first.items.filter((i) => i.kind === kind).map((i) => i.state);
    expect(first.emulated).toBe(true);
    // RAW, the dbt target schema, STAGING, INTERMEDIATE, MARTS, SNAPSHOTS
    expect(state('schema')).toEqual(['create', 'create', 'create', 'create', 'create', 'create']);
    expect(first.items.find((i) => i.kind === 'stage')).toMatchObject({ state: 'create', statements: ["CREATE STAGE IF NOT EXISTS DEPLOY_TEST.RAW.HFC_LAKE FILE_FORMAT = (FORMAT_NAME = 'DEPLOY_TEST.RAW.HFC_PARQUET')"] });
    // not faked: marked, with the statements a real account gets, and skipped
    for (const kind of ['warehouse', 'role', 'grants', 'masking_policy', 'masking_attachment']) expect(state(kind).every((x) => x === 'not_emulated')).toBe(true);
    expect(planLines(first)).toContain('  not emulated masking policy DEPLOY_TEST.RAW.HFC_PII_MASK_VARCHAR (fakesnow cannot run it; not faked, not applied)');

    const applied = await applyPlan(s, first);
    expect(applied.filter((a) => a.item.state === 'not_emulated').every((a) => a.ran.length === 0)).toBe(true);
    const cols = await s.objects(`SELECT COLUMN_NAME FROM DEPLOY_TEST.INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'RAW' AND TABLE_NAME = 'MEMBERS' ORDER BY ORDINAL_POSITION`);
    expect(cols.map((c) => c.column_name).slice(-4)).toEqual(['_BATCH_ID', '_LOADED_AT', '_SOURCE_FILE', '_SOURCE_LINE']);
    expect((await s.objects('SHOW STAGES IN SCHEMA DEPLOY_TEST.RAW')).map((r) => [r.name, r.type])).toEqual([['HFC_LAKE', 'INTERNAL']]);

    const second = await planDeploy(s, settings, contracts);
    expect(planChanges(second)).toBe(false);
    expect(second.items.filter((i) => i.state !== 'not_emulated').every((i) => i.state === 'exists')).toBe(true);
    expect(planLines(second).at(-1)).toBe('  nothing to change');

    const lines = await checkSnowflake(settings, contracts, { env });
    expect(lines.map((l) => [l.name, l.status])).toEqual([
      ['Snowflake login', 'pass'],
      ['Snowflake warehouse usable', 'not_emulated'],
      ['Snowflake objects deployed', 'pass'],
      ['Snowflake schemas writable', 'pass'],
      ['Snowflake reader role', 'not_emulated'],
    ]);

    const destroy = await planDestroy(s, settings);
    expect(destroy.items.filter((i) => i.state === 'drop').map((i) => i.name)).toEqual(ddl.schemas(ddl.names(settings)).map((x) => `DEPLOY_TEST.${x}`));
    expect(destroy.items.find((i) => i.kind === 'warehouse')?.state).toBe('kept');
    await applyPlan(s, destroy);
    expect(planChanges(await planDestroy(s, settings))).toBe(false);
    const missing = await checkSnowflake(settings, contracts, { env });
    expect(missing.find((l) => l.name === 'Snowflake objects deployed')).toMatchObject({ status: 'fail', fix: 'Run `claims deploy` for this profile.' });
    // a deploy after destroy works
    await applyPlan(s, await planDeploy(s, settings, contracts));
    expect(planChanges(await planDeploy(s, settings, contracts))).toBe(false);
  });
});

describe('the statements the emulator cannot run, as text', () => {
  const real: SnowflakeSettings = {
    account: 'xy12345.eu-west-1',
    user: 'CLAIMS_SVC',
    role: 'CLAIMS_PIPELINE',
    warehouse: 'CLAIMS_WH',
    database: 'CLAIMS',
    schemas: { raw: 'RAW', dbt: 'ANALYTICS' },
    auth: { method: 'key_pair', privateKey: { from: 'file', path: '/keys/rsa_key.p8' } },
    loadRoute: 'external_stage',
    storageIntegration: 'CLAIMS_LAKE_S3',
    lakeUrl: 's3://claims-lake/prod',
    autoSuspendSeconds: 120,
  };
  const n = ddl.names(real);

  it('warehouse with auto-suspend, external stage through the storage integration (no keys)', () => {
    expect(ddl.createWarehouseSql(n, real)).toBe('CREATE WAREHOUSE IF NOT EXISTS CLAIMS_WH WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 120 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE');
    expect(ddl.alterWarehouseSql(n, real)).toBe('ALTER WAREHOUSE CLAIMS_WH SET AUTO_SUSPEND = 120 AUTO_RESUME = TRUE');
    expect(ddl.createStageSql(n, real)).toBe("CREATE STAGE IF NOT EXISTS CLAIMS.RAW.HFC_LAKE URL = 's3://claims-lake/prod/' STORAGE_INTEGRATION = CLAIMS_LAKE_S3 FILE_FORMAT = (FORMAT_NAME = 'CLAIMS.RAW.HFC_PARQUET')");
    expect(ddl.createStageSql(n, real)).not.toMatch(/CREDENTIALS|AWS_KEY|AWS_SECRET/);
    expect(() => ddl.createStageSql(ddl.names({ ...real, storageIntegration: undefined }), { ...real, storageIntegration: undefined })).toThrow(/storage_integration is required/);
  });

  it('roles and grants of the read-only role', () => {
    expect(ddl.createRoleSql(n.readerRole)).toBe('CREATE ROLE IF NOT EXISTS HFC_READER');
    const grants = ddl.readerGrantsSql(n);
    expect(grants.slice(0, 7)).toEqual([
      'GRANT USAGE ON WAREHOUSE CLAIMS_WH TO ROLE HFC_READER',
      'GRANT USAGE ON DATABASE CLAIMS TO ROLE HFC_READER',
      'GRANT USAGE ON SCHEMA CLAIMS.RAW TO ROLE HFC_READER',
      'GRANT SELECT ON ALL TABLES IN SCHEMA CLAIMS.RAW TO ROLE HFC_READER',
      'GRANT SELECT ON ALL VIEWS IN SCHEMA CLAIMS.RAW TO ROLE HFC_READER',
      'GRANT SELECT ON FUTURE TABLES IN SCHEMA CLAIMS.RAW TO ROLE HFC_READER',
      'GRANT SELECT ON FUTURE VIEWS IN SCHEMA CLAIMS.RAW TO ROLE HFC_READER',
    ]);
    expect(grants.filter((g) => g.startsWith('GRANT USAGE ON SCHEMA')).map((g) => g.split(' ')[4])).toEqual(['CLAIMS.RAW', 'CLAIMS.ANALYTICS', 'CLAIMS.STAGING', 'CLAIMS.INTERMEDIATE', 'CLAIMS.MARTS', 'CLAIMS.SNAPSHOTS']);
    expect(grants.slice(-2)).toEqual(['GRANT ROLE HFC_READER TO ROLE HFC_PII_READER', 'GRANT ROLE HFC_READER TO USER CLAIMS_SVC']);
    // read-only: nothing but USAGE and SELECT
    expect(grants.every((g) => /^GRANT (USAGE|SELECT|ROLE) /.test(g))).toBe(true);
  });

  it('masking policies from the contracts\u2019 PII tags', () => {
    expect(ddl.createMaskingPolicySql(n, 'VARCHAR')).toBe(
      "CREATE MASKING POLICY IF NOT EXISTS CLAIMS.RAW.HFC_PII_MASK_VARCHAR AS (val VARCHAR) RETURNS VARCHAR -> CASE WHEN IS_ROLE_IN_SESSION('HFC_PII_READER') OR IS_ROLE_IN_SESSION('CLAIMS_PIPELINE') THEN val ELSE '***MASKED***' END",
    );
    expect(ddl.createMaskingPolicySql(n, 'DATE')).toBe(
      "CREATE MASKING POLICY IF NOT EXISTS CLAIMS.RAW.HFC_PII_MASK_DATE AS (val DATE) RETURNS DATE -> CASE WHEN IS_ROLE_IN_SESSION('HFC_PII_READER') OR IS_ROLE_IN_SESSION('CLAIMS_PIPELINE') THEN val ELSE NULL END",
    );
    const masked = ddl.maskedColumns(contracts).map((m) => `${m.table}.${m.column}`);
    expect(masked).toEqual([
      'MEMBERS.MEMBER_ID', 'MEMBERS.FIRST_NAME', 'MEMBERS.LAST_NAME', 'MEMBERS.BIRTH_DATE', 'MEMBERS.GENDER', 'MEMBERS.STREET', 'MEMBERS.CITY', 'MEMBERS.STATE', 'MEMBERS.ZIP', 'MEMBERS.COUNTY',
      'CLAIMS.MEMBER_ID', 'QUARANTINE.ORIGINAL_VALUES',
    ]);
    expect(ddl.setMaskingPolicySql(n, { table: 'MEMBERS', column: 'BIRTH_DATE', type: 'DATE' })).toBe('ALTER TABLE CLAIMS.RAW.MEMBERS MODIFY COLUMN BIRTH_DATE SET MASKING POLICY CLAIMS.RAW.HFC_PII_MASK_DATE');
    expect(ddl.dropDatabaseSql(n)).toBe('DROP DATABASE IF EXISTS CLAIMS');
  });

  it('refuses names that are not plain identifiers', () => {
    expect(() => ddl.names({ ...real, database: 'CLAIMS; DROP' })).toThrow('snowflake.database "CLAIMS; DROP" is not a plain Snowflake identifier');
  });
});
