// Deploy and destroy of the Snowflake objects a profile needs, as a plan first (what exists, what
// would be created, changed or dropped, with the statements) and its application after. Both are
// idempotent: the plan is read from the account (SHOW, INFORMATION_SCHEMA), so a second deploy
// finds everything and changes nothing. On the cloud emulator the statements fakesnow cannot run
// (warehouses, roles, grants, masking policies, DROP DATABASE) are not faked: the plan marks them
// "not emulated" and the application skips them.

import type { ContractSet } from '../../contract-loader/types.ts';
import type { SnowflakeSession } from '../connection.ts';
import { SnowflakeObjectMissingError } from '../errors.ts';
import { literal } from '../names.ts';
import { isEmulated, snowflakeLocation, type SnowflakeSettings } from '../settings.ts';
import * as ddl from './ddl.ts';

export type ObjectKind = 'warehouse' | 'database' | 'schema' | 'file_format' | 'stage' | 'table' | 'role' | 'grants' | 'masking_policy' | 'masking_attachment';
export type ItemState = 'exists' | 'create' | 'change' | 'drop' | 'absent' | 'kept' | 'not_emulated';

export interface PlanItem {
  kind: ObjectKind;
  name: string;
  state: ItemState;
  /** why it changes, or why it is kept / not emulated */
  detail?: string;
  /** what the application runs for it (also shown for not-emulated items: the SQL a real account gets) */
  statements: string[];
}

export interface SnowflakePlan {
  action: 'deploy' | 'destroy';
  location: string;
  emulated: boolean;
  items: PlanItem[];
}

/** Kinds the cloud emulator (fakesnow 0.11.22) cannot run: parse errors or no such objects. */
export const NOT_EMULATED: ReadonlySet<ObjectKind> = new Set(['warehouse', 'role', 'grants', 'masking_policy', 'masking_attachment']);
const NOT_EMULATED_WHY = 'fakesnow cannot run it; not faked, not applied';

type Rows = Record<string, unknown>[];

async function rows(s: SnowflakeSession, sql: string): Promise<Rows> {
  return s.objects(sql);
}

/** Rows of a SHOW / INFORMATION_SCHEMA query on objects inside a database that may not exist: none then. */
async function rowsIn(s: SnowflakeSession, sql: string): Promise<Rows> {
  try {
    return await s.objects(sql);
  } catch (err) {
    if (err instanceof SnowflakeObjectMissingError) return [];
    throw err;
  }
}

const namesOf = (r: Rows) => new Set(r.map((x) => String(x.name)));

interface AccountState {
  database: boolean;
  schemas: Set<string>;
  fileFormats: Set<string>;
  stages: Map<string, { type: string; url: string }>;
  tables: Set<string>;
}

async function readState(s: SnowflakeSession, n: ddl.Names): Promise<AccountState> {
  const database = namesOf(await rows(s, 'SHOW DATABASES')).has(n.db);
  if (!database) return { database, schemas: new Set(), fileFormats: new Set(), stages: new Map(), tables: new Set() };
  const schemas = namesOf(await rowsIn(s, `SHOW SCHEMAS IN DATABASE ${n.db}`));
  const inRaw = schemas.has(n.raw);
  const fileFormats = inRaw ? namesOf(await rowsIn(s, `SHOW FILE FORMATS IN SCHEMA ${n.db}.${n.raw}`)) : new Set<string>();
  const stages = new Map(
    (inRaw ? await rowsIn(s, `SHOW STAGES IN SCHEMA ${n.db}.${n.raw}`) : []).map((r) => [String(r.name), { type: String(r.type ?? '').toUpperCase(), url: String(r.url ?? '') }] as const),
  );
  const tables = inRaw
    ? new Set((await rowsIn(s, `SELECT TABLE_NAME FROM ${n.db}.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ${literal(n.raw)}`)).map((r) => String(r.table_name)))
    : new Set<string>();
  return { database, schemas, fileFormats, stages, tables };
}

const last = (qualified: string) => qualified.slice(qualified.lastIndexOf('.') + 1);

/** The plan for a real account's objects that the emulator lacks: read with SHOW, compared with what deploy wants. */
async function realAccountItems(s: SnowflakeSession, settings: SnowflakeSettings, contracts: ContractSet, n: ddl.Names, state: AccountState): Promise<PlanItem[]> {
  const items: PlanItem[] = [];
  const [wh] = await rows(s, `SHOW WAREHOUSES LIKE ${literal(n.warehouse)}`);
  const suspend = settings.autoSuspendSeconds ?? ddl.DEFAULTS.autoSuspendSeconds;
  if (!wh) items.push({ kind: 'warehouse', name: n.warehouse, state: 'create', statements: [ddl.createWarehouseSql(n, settings)] });
  else if (Number(wh.auto_suspend) !== suspend || String(wh.auto_resume) !== 'true')
    items.push({ kind: 'warehouse', name: n.warehouse, state: 'change', detail: `auto-suspend ${String(wh.auto_suspend)} s, auto-resume ${String(wh.auto_resume)} -> ${suspend} s, true`, statements: [ddl.alterWarehouseSql(n, settings)] });
  else items.push({ kind: 'warehouse', name: n.warehouse, state: 'exists', detail: `auto-suspend ${suspend} s`, statements: [] });

  const roles = namesOf(await rows(s, 'SHOW ROLES'));
  for (const role of [n.readerRole, n.piiRole]) items.push({ kind: 'role', name: role, state: roles.has(role) ? 'exists' : 'create', statements: roles.has(role) ? [] : [ddl.createRoleSql(role)] });

  // grants: what SHOW lists for the reader role, against what it should have
  const want = ddl.readerGrantsSql(n);
  let missing = want;
  if (roles.has(n.readerRole)) {
    const have = new Set<string>();
    for (const g of await rows(s, `SHOW GRANTS TO ROLE ${n.readerRole}`)) have.add(`GRANT ${String(g.privilege)} ON ${String(g.granted_on).replaceAll('_', ' ')} ${String(g.name)} TO ROLE ${n.readerRole}`);
    for (const schema of ddl.schemas(n)) {
      if (!state.schemas.has(schema)) continue;
      for (const g of await rows(s, `SHOW FUTURE GRANTS IN SCHEMA ${n.db}.${schema}`)) {
        if (String(g.grantee_name) === n.readerRole) have.add(`GRANT ${String(g.privilege)} ON FUTURE ${String(g.grant_on)}S IN SCHEMA ${n.db}.${schema} TO ROLE ${n.readerRole}`);
      }
    }
    for (const g of await rows(s, `SHOW GRANTS OF ROLE ${n.readerRole}`)) have.add(`GRANT ROLE ${n.readerRole} TO ${String(g.granted_to)} ${String(g.grantee_name)}`);
    // ALL TABLES / ALL VIEWS are one-off expansions: needed when the schema's future grant is
    missing = want.filter((g) => {
      const all = /^GRANT SELECT ON ALL (TABLES|VIEWS) IN SCHEMA (\S+) /.exec(g);
      if (all) return !have.has(`GRANT SELECT ON FUTURE ${all[1]} IN SCHEMA ${all[2]} TO ROLE ${n.readerRole}`);
      return !have.has(g);
    });
  }
  items.push({ kind: 'grants', name: `role ${n.readerRole}`, state: missing.length ? (roles.has(n.readerRole) ? 'change' : 'create') : 'exists', statements: missing });

  const policies = state.schemas.has(n.raw) ? namesOf(await rowsIn(s, `SHOW MASKING POLICIES IN SCHEMA ${n.db}.${n.raw}`)) : new Set<string>();
  const masked = ddl.maskedColumns(contracts);
  for (const type of [...new Set(masked.map((m) => m.type))]) {
    const name = ddl.maskingPolicyName(n, type);
    if (!policies.has(last(name))) {
      items.push({ kind: 'masking_policy', name, state: 'create', statements: [ddl.createMaskingPolicySql(n, type)] });
      continue;
    }
    const [desc] = await rows(s, `DESC MASKING POLICY ${name}`);
    const same = String(desc?.body ?? '').replace(/\s+/g, ' ').trim() === ddl.maskingPolicyBody(n, type);
    items.push({ kind: 'masking_policy', name, state: same ? 'exists' : 'change', ...(same ? {} : { detail: 'its body differs from the product\u2019s' }), statements: same ? [] : [ddl.alterMaskingPolicySql(n, type)] });
  }
  for (const table of [...new Set(masked.map((m) => m.table))]) {
    const attached = state.tables.has(table)
      ? new Set(
          (await rowsIn(s, `SELECT POLICY_NAME, REF_COLUMN_NAME FROM TABLE(${n.db}.INFORMATION_SCHEMA.POLICY_REFERENCES(REF_ENTITY_NAME => ${literal(`${n.db}.${n.raw}.${table}`)}, REF_ENTITY_DOMAIN => 'table'))`)).map(
            (r) => `${String(r.ref_column_name)}:${String(r.policy_name)}`,
          ),
        )
      : new Set<string>();
    const columns = masked.filter((m) => m.table === table);
    const unattached = columns.filter((m) => !attached.has(`${m.column}:${last(ddl.maskingPolicyName(n, m.type))}`));
    items.push({ kind: 'masking_attachment', name: `${n.db}.${n.raw}.${table}`, state: unattached.length ? 'create' : 'exists', detail: columns.map((m) => m.column).join(', '), statements: unattached.map((m) => ddl.setMaskingPolicySql(n, m)) });
  }
  return items;
}

/** The same objects as statements only, marked not emulated (the emulator's plan). */
function notEmulatedItems(settings: SnowflakeSettings, contracts: ContractSet, n: ddl.Names): PlanItem[] {
  const masked = ddl.maskedColumns(contracts);
  const item = (kind: ObjectKind, name: string, statements: string[]): PlanItem => ({ kind, name, state: 'not_emulated', detail: NOT_EMULATED_WHY, statements });
  return [
    item('warehouse', n.warehouse, [ddl.createWarehouseSql(n, settings), ddl.alterWarehouseSql(n, settings)]),
    item('role', n.readerRole, [ddl.createRoleSql(n.readerRole)]),
    item('role', n.piiRole, [ddl.createRoleSql(n.piiRole)]),
    item('grants', `role ${n.readerRole}`, ddl.readerGrantsSql(n)),
    ...[...new Set(masked.map((m) => m.type))].map((type) => item('masking_policy', ddl.maskingPolicyName(n, type), [ddl.createMaskingPolicySql(n, type)])),
    ...[...new Set(masked.map((m) => m.table))].map((table) =>
      item('masking_attachment', `${n.db}.${n.raw}.${table}`, masked.filter((m) => m.table === table).map((m) => ddl.setMaskingPolicySql(n, m))),
    ),
  ];
}

export async function planDeploy(s: SnowflakeSession, settings: SnowflakeSettings, contracts: ContractSet): Promise<SnowflakePlan> {
  const n = ddl.names(settings);
  const emulated = isEmulated(settings);
  const state = await readState(s, n);
  const items: PlanItem[] = [];
  const ensure = (kind: ObjectKind, name: string, exists: boolean, sql: string) => items.push({ kind, name, state: exists ? 'exists' : 'create', statements: exists ? [] : [sql] });

  ensure('database', n.db, state.database, ddl.createDatabaseSql(n));
  for (const schema of ddl.schemas(n)) ensure('schema', `${n.db}.${schema}`, state.schemas.has(schema), ddl.createSchemaSql(n, schema));
  ensure('file_format', n.fileFormat, state.fileFormats.has(last(n.fileFormat)), ddl.createFileFormatSql(n));

  const stage = state.stages.get(last(n.stage));
  const wantType = settings.loadRoute === 'internal_stage' ? 'INTERNAL' : 'EXTERNAL';
  const wantUrl = settings.loadRoute === 'external_stage' ? `${(settings.lakeUrl ?? '').replace(/\/+$/, '')}/` : '';
  const createStage = ddl.createStageSql(n, settings);
  if (!stage) items.push({ kind: 'stage', name: n.stage, state: 'create', detail: wantType.toLowerCase(), statements: [createStage] });
  else if (!stage.type.startsWith(wantType) || (wantUrl && stage.url !== wantUrl))
    items.push({ kind: 'stage', name: n.stage, state: 'change', detail: `${stage.type.toLowerCase()} ${stage.url} -> ${wantType.toLowerCase()} ${wantUrl}`.trim(), statements: [createStage.replace('CREATE STAGE IF NOT EXISTS', 'CREATE OR REPLACE STAGE')] });
  else items.push({ kind: 'stage', name: n.stage, state: 'exists', detail: wantType.toLowerCase(), statements: [] });

  for (const t of ddl.rawTableSql(n, contracts)) ensure('table', `${n.db}.${n.raw}.${t.table}`, state.tables.has(t.table), t.sql);

  items.push(...(emulated ? notEmulatedItems(settings, contracts, n) : await realAccountItems(s, settings, contracts, n, state)));
  return { action: 'deploy', location: snowflakeLocation(settings), emulated, items };
}

export async function planDestroy(s: SnowflakeSession, settings: SnowflakeSettings, options: { dropWarehouse?: boolean } = {}): Promise<SnowflakePlan> {
  const n = ddl.names(settings);
  const emulated = isEmulated(settings);
  const state = await readState(s, n);
  const items: PlanItem[] = [];
  if (!state.database) items.push({ kind: 'database', name: n.db, state: 'absent', statements: [] });
  else if (emulated) {
    // fakesnow cannot DROP DATABASE; its schemas (and so the tables, stages and formats in them) it can
    for (const schema of ddl.schemas(n)) if (state.schemas.has(schema)) items.push({ kind: 'schema', name: `${n.db}.${schema}`, state: 'drop', statements: [ddl.dropSchemaSql(n, schema)] });
    items.push({ kind: 'database', name: n.db, state: 'not_emulated', detail: 'the cloud emulator cannot DROP DATABASE; its schemas are dropped instead', statements: [ddl.dropDatabaseSql(n)] });
  } else {
    items.push({ kind: 'database', name: n.db, state: 'drop', detail: 'with every schema, table, stage, file format and masking policy in it', statements: [ddl.dropDatabaseSql(n)] });
  }
  if (emulated) {
    for (const role of [n.piiRole, n.readerRole]) items.push({ kind: 'role', name: role, state: 'not_emulated', detail: NOT_EMULATED_WHY, statements: [ddl.dropRoleSql(role)] });
  } else {
    const roles = namesOf(await rows(s, 'SHOW ROLES'));
    for (const role of [n.piiRole, n.readerRole]) items.push({ kind: 'role', name: role, state: roles.has(role) ? 'drop' : 'absent', statements: roles.has(role) ? [ddl.dropRoleSql(role)] : [] });
  }
  if (options.dropWarehouse) items.push({ kind: 'warehouse', name: n.warehouse, state: emulated ? 'not_emulated' : 'drop', statements: [ddl.dropWarehouseSql(n)] });
  else items.push({ kind: 'warehouse', name: n.warehouse, state: 'kept', detail: 'a warehouse may serve other work; it is dropped only when asked (dropWarehouse)', statements: [] });
  return { action: 'destroy', location: snowflakeLocation(settings), emulated, items };
}

export interface AppliedItem {
  item: PlanItem;
  /** statements run (none for exists / kept / absent / not emulated) */
  ran: string[];
}

/** Runs the plan's statements, item by item in order; skips what exists and what the emulator lacks. */
export async function applyPlan(s: SnowflakeSession, plan: SnowflakePlan, onItem?: (a: AppliedItem) => void): Promise<AppliedItem[]> {
  const out: AppliedItem[] = [];
  for (const item of plan.items) {
    const ran: string[] = [];
    if (item.state === 'create' || item.state === 'change' || item.state === 'drop') {
      for (const sql of item.statements) {
        await s.execute(sql);
        ran.push(sql);
      }
    }
    const applied = { item, ran };
    out.push(applied);
    onItem?.(applied);
  }
  return out;
}

/** Whether applying the plan would change anything. */
export const planChanges = (plan: SnowflakePlan): boolean => plan.items.some((i) => i.state === 'create' || i.state === 'change' || i.state === 'drop');

const LABEL: Record<ItemState, string> = { exists: 'exists', create: 'create', change: 'change', drop: 'drop', absent: 'absent', kept: 'kept', not_emulated: 'not emulated' };

/** The plan as lines for a person, shown before it is applied. */
export function planLines(plan: SnowflakePlan): string[] {
  const lines = [`Snowflake ${plan.action} plan for ${plan.location}${plan.emulated ? ' (cloud emulator)' : ''}:`];
  for (const i of plan.items) lines.push(`  ${LABEL[i.state].padEnd(12)} ${i.kind.replace('_', ' ')} ${i.name}${i.detail ? ` (${i.detail})` : ''}`);
  if (!planChanges(plan)) lines.push('  nothing to change');
  return lines;
}
