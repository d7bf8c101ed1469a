// snowflake-sdk's errors as the product's typed errors (errors.ts). Snowflake reports most
// failures with a code and a message; the codes are stable, the messages are read only where one
// code covers several causes (002003 is a missing table, schema or database alike).

import {
  SnowflakeError,
  SnowflakeLoginError,
  SnowflakeObjectMissingError,
  SnowflakePrivilegeError,
  SnowflakeStatementError,
  SnowflakeStatementTimeoutError,
  SnowflakeWarehouseError,
} from './errors.ts';

export interface SessionContext {
  account: string;
  user: string;
  role: string;
  warehouse: string;
  /** how the user logged in, for the hint of a login failure */
  authenticator: 'SNOWFLAKE' | 'SNOWFLAKE_JWT' | 'EXTERNALBROWSER';
  /** the emulator or another endpoint, named in a network failure */
  endpoint?: string;
}

interface DriverError {
  message?: string;
  code?: string | number;
  sqlState?: string;
  data?: { queryId?: string } & Record<string, unknown>;
}

const code = (e: DriverError) => (e.code === undefined || e.code === null ? undefined : String(e.code).padStart(6, '0'));

/** the driver's own network failures (no answer, connection reset): worth trying again */
const NETWORK = new Set(['401001', '401002', '401003']);

function loginHint(ctx: SessionContext, c: string | undefined): string {
  if (c === '390189' || c === '390190') return `Grant role ${ctx.role} to user ${ctx.user} (GRANT ROLE ${ctx.role} TO USER ${ctx.user}), or set the profile's role to one the user has.`;
  if (ctx.authenticator === 'SNOWFLAKE_JWT') {
    return `Check the account identifier (${ctx.account}), the user name (${ctx.user}), and that the user's RSA_PUBLIC_KEY is the public half of the profile's private key (DESC USER ${ctx.user}; see docs/cloud.md, "Key-pair setup").`;
  }
  if (ctx.authenticator === 'EXTERNALBROWSER') return `Check the account identifier (${ctx.account}) and that user ${ctx.user} is the login name your identity provider maps to; finish the sign-in in the browser window.`;
  return `Check the account identifier (${ctx.account}), the user name (${ctx.user}), and the password the profile's secret reference holds; a locked user is unlocked by an administrator (ALTER USER ${ctx.user} SET MINS_TO_UNLOCK = 0).`;
}

/** A failure of the login itself. */
export function loginError(err: unknown, ctx: SessionContext): SnowflakeError {
  if (err instanceof SnowflakeError) return err;
  const e = err as DriverError;
  const c = code(e);
  const detail = (e.message ?? String(err)).split('\n')[0]!;
  if (c && NETWORK.has(c)) {
    return new SnowflakeLoginError(ctx.account, ctx.user, `Snowflake could not be reached${ctx.endpoint ? ` at ${ctx.endpoint}` : ''} (${detail})`, ctx.endpoint ? 'Start the emulator (claims emulator start) or check the profile\u2019s endpoint.' : `Check the network and the account identifier (${ctx.account}.snowflakecomputing.com must resolve).`, { code: c, cause: err, retryable: true });
  }
  return new SnowflakeLoginError(ctx.account, ctx.user, detail, loginHint(ctx, c), { code: c, cause: err });
}

const OBJECT_MISSING = /does not exist|not authorized|Catalog Error|no such|unknown (table|schema|database|stage)|Catalog "[^"]+" does not exist/i;

/** A failure of a statement. */
export function statementError(err: unknown, ctx: SessionContext, timeoutSeconds: number): SnowflakeError {
  if (err instanceof SnowflakeError) return err;
  const e = err as DriverError;
  const c = code(e);
  const message = (e.message ?? String(err)).split('\n')[0]!;
  const queryId = e.data?.queryId;
  const opts = { code: c, cause: err };
  // 000630: the statement or warehouse timeout; the emulator answers its own limit the same way
  if (c === '000630' || /statement (or warehouse )?timeout|reached its statement/i.test(message)) return new SnowflakeStatementTimeoutError(timeoutSeconds, queryId, opts);
  // 000606: no active warehouse; 000625/000627: suspended / cannot resume
  if (c === '000606' || c === '000625' || c === '000627' || /warehouse .*(does not exist|not authorized|suspended|cannot be resumed)|no active warehouse/i.test(message)) return new SnowflakeWarehouseError(ctx.warehouse, message, opts);
  // 003001: SQL access control error; 003011 (ownership) and friends
  if (c === '003001' || c === '003011' || /insufficient privileges|not authorized to/i.test(message)) return new SnowflakePrivilegeError(ctx.role, message, opts);
  // 002003 (object missing or not visible), 002043 (same, for a qualified name), 090105 (no current database)
  if (c === '002003' || c === '002043' || c === '090105' || OBJECT_MISSING.test(message)) return new SnowflakeObjectMissingError(message, opts);
  if (c && NETWORK.has(c)) return new SnowflakeStatementError(`Snowflake did not answer: ${message}`, e.sqlState, { ...opts, retryable: true });
  return new SnowflakeStatementError(message, e.sqlState, opts);
}
