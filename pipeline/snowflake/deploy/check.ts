// `claims check`'s Snowflake lines: each prerequisite once, pass or fail, with the fix. What the
// cloud emulator cannot answer (warehouses, roles) is its own state, "not emulated", never a pass.

import { randomBytes } from 'node:crypto';
import type { ContractSet } from '../../contract-loader/types.ts';
import { SnowflakeSession, type SessionEvent } from '../connection.ts';
import { SnowflakeError } from '../errors.ts';
import { literal } from '../names.ts';
import { isEmulated, type SnowflakeSettings } from '../settings.ts';
import * as ddl from './ddl.ts';
import { planDeploy } from './plan.ts';

export interface CheckLine {
  name: string;
  status: 'pass' | 'fail' | 'not_emulated' | 'skipped';
  detail: string;
  /** what to do when it does not pass */
  fix?: string;
}

const failed = (name: string, err: unknown): CheckLine => ({
  name,
  status: 'fail',
  detail: (err as Error).message,
  ...(err instanceof SnowflakeError ? { fix: err.hint } : {}),
});

export async function checkSnowflake(
  settings: SnowflakeSettings,
  contracts: ContractSet,
  options: { env?: NodeJS.ProcessEnv; onEvent?: (e: SessionEvent) => void } = {},
): Promise<CheckLine[]> {
  const n = ddl.names(settings);
  const emulated = isEmulated(settings);
  const lines: CheckLine[] = [];
  let s: SnowflakeSession;
  try {
    // no database yet is fine for a login: deploy creates it
    s = await SnowflakeSession.open(settings, { database: null, env: options.env, onEvent: options.onEvent });
    lines.push({ name: 'Snowflake login', status: 'pass', detail: `user ${settings.user} on account ${settings.account} as role ${settings.role}` });
  } catch (err) {
    lines.push(failed('Snowflake login', err));
    for (const name of ['Snowflake warehouse usable', 'Snowflake objects deployed', 'Snowflake schemas writable', 'Snowflake reader role']) {
      lines.push({ name, status: 'skipped', detail: 'needs a login' });
    }
    return lines;
  }
  try {
    if (emulated) {
      lines.push({ name: 'Snowflake warehouse usable', status: 'not_emulated', detail: `the cloud emulator has no warehouses (it accepts USE WAREHOUSE ${n.warehouse}); on a real account this line runs a query on it` });
    } else {
      try {
        const r = await s.execute('SELECT CURRENT_WAREHOUSE()');
        if (r.rows[0]?.[0] !== n.warehouse) throw new SnowflakeError(`warehouse ${n.warehouse} is not the session's warehouse (it does not exist, or role ${n.role} has no USAGE on it)`, { hint: `Run \`claims deploy\` (it creates ${n.warehouse}), or GRANT USAGE ON WAREHOUSE ${n.warehouse} TO ROLE ${n.role}.`, retryable: false });
        // a query that needs compute: the warehouse resumes and runs it
        await s.execute('SELECT COUNT(*) FROM TABLE(GENERATOR(ROWCOUNT => 1))');
        lines.push({ name: 'Snowflake warehouse usable', status: 'pass', detail: `${n.warehouse} runs queries` });
      } catch (err) {
        lines.push(failed('Snowflake warehouse usable', err));
      }
    }

    const plan = await planDeploy(s, settings, contracts);
    const missing = plan.items.filter((i) => i.state === 'create' || i.state === 'change');
    lines.push(
      missing.length
        ? { name: 'Snowflake objects deployed', status: 'fail', detail: `missing or out of date: ${missing.map((i) => `${i.kind.replace('_', ' ')} ${i.name}`).join(', ')}`, fix: 'Run `claims deploy` for this profile.' }
        : { name: 'Snowflake objects deployed', status: 'pass', detail: `database ${n.db}, schemas, file format, stage and RAW tables present${emulated ? ' (roles, grants and masking policies are not emulated)' : ''}` },
    );

    const unwritable: string[] = [];
    const problems: CheckLine[] = [];
    for (const schema of [n.raw, n.dbt]) {
      const probe = `${n.db}.${schema}.HFC_CHECK_${randomBytes(4).toString('hex').toUpperCase()}`;
      try {
        await s.execute(`CREATE TABLE ${probe} (X INTEGER)`);
        await s.execute(`DROP TABLE IF EXISTS ${probe}`);
      } catch (err) {
        unwritable.push(`${n.db}.${schema}`);
        problems.push(failed('', err));
      }
    }
    lines.push(
      unwritable.length
        ? { name: 'Snowflake schemas writable', status: 'fail', detail: `cannot create a table in ${unwritable.join(', ')}: ${problems.map((p) => p.detail).join('; ')}`, fix: `Run \`claims deploy\` to create the schemas, and grant role ${n.role} CREATE TABLE on them.` }
        : { name: 'Snowflake schemas writable', status: 'pass', detail: `role ${n.role} creates tables in ${n.db}.${n.raw} and ${n.db}.${n.dbt}` },
    );

    if (emulated) {
      lines.push({ name: 'Snowflake reader role', status: 'not_emulated', detail: `the cloud emulator has no roles; the app reads as any role there. On a real account deploy creates ${n.readerRole} (SELECT only, PII masked)` });
    } else {
      try {
        const roles = await s.objects(`SHOW ROLES LIKE ${literal(n.readerRole)}`);
        lines.push(
          roles.some((r) => r.name === n.readerRole)
            ? { name: 'Snowflake reader role', status: 'pass', detail: `${n.readerRole} exists` }
            : { name: 'Snowflake reader role', status: 'fail', detail: `role ${n.readerRole} does not exist`, fix: 'Run `claims deploy` (with a role that may CREATE ROLE, or let an administrator run the statements it shows).' },
        );
      } catch (err) {
        lines.push(failed('Snowflake reader role', err));
      }
    }
  } finally {
    await s.close();
  }
  return lines;
}
