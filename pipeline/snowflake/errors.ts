// What a Snowflake failure means for a person: which object or setting, what to check, and whether
// trying again can help. Every statement the product runs goes through connection.ts, which turns
// the driver's errors into these; a stage never sees snowflake-sdk's own error shapes.

export class SnowflakeError extends Error {
  /** what the person should do about it */
  readonly hint: string;
  /** whether the same statement may succeed later (the orchestrator's retry policy decides) */
  readonly retryable: boolean;
  /** Snowflake's error code (e.g. 390100, 002003), when it gave one */
  readonly code: string | undefined;

  constructor(message: string, opts: { hint: string; retryable: boolean; code?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SnowflakeError';
    this.hint = opts.hint;
    this.retryable = opts.retryable;
    this.code = opts.code;
  }
}

/** The account did not let this user in. */
export class SnowflakeLoginError extends SnowflakeError {
  constructor(
    readonly account: string,
    readonly user: string,
    detail: string,
    hint: string,
    opts: { code?: string; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(`Snowflake login failed for user ${user} on account ${account}: ${detail}`, { hint, retryable: opts.retryable ?? false, code: opts.code, cause: opts.cause });
    this.name = 'SnowflakeLoginError';
  }
}

/** A secret the settings name could not be read (unset variable, missing key file, no keychain). */
export class SnowflakeSecretError extends SnowflakeError {
  constructor(message: string, hint: string, cause?: unknown) {
    super(message, { hint, retryable: false, cause });
    this.name = 'SnowflakeSecretError';
  }
}

/** The keychain cannot be used on this machine (no Secret Service, locked, denied). */
export class KeychainUnavailableError extends SnowflakeSecretError {
  constructor(detail: string, cause?: unknown) {
    super(
      `The OS keychain cannot be used here: ${detail}`,
      'Store the secret elsewhere: name an environment variable that holds it (auth ... from: env), or for key-pair authentication point to the key file (from: file). The product never falls back to a plain-text file.',
      cause,
    );
    this.name = 'KeychainUnavailableError';
  }
}

/** The session's warehouse does not exist, is suspended without auto-resume, or this role may not use it. */
export class SnowflakeWarehouseError extends SnowflakeError {
  constructor(
    readonly warehouse: string,
    detail: string,
    opts: { code?: string; cause?: unknown } = {},
  ) {
    super(`Snowflake warehouse ${warehouse} cannot run statements: ${detail}`, {
      hint: `Check that warehouse ${warehouse} exists, that the profile's role has USAGE on it, and that it is not suspended without AUTO_RESUME (claims deploy sets AUTO_RESUME and AUTO_SUSPEND).`,
      retryable: false,
      ...opts,
    });
    this.name = 'SnowflakeWarehouseError';
  }
}

/** A database, schema, table, stage or other object the statement names does not exist (or is not visible to the role). */
export class SnowflakeObjectMissingError extends SnowflakeError {
  constructor(detail: string, opts: { code?: string; cause?: unknown } = {}) {
    super(`A Snowflake object is missing: ${detail}`, {
      hint: 'Run `claims deploy` to create the database, schemas, file format and stage; a table of RAW appears with the first load. If it exists, grant the profile role access to it.',
      retryable: false,
      ...opts,
    });
    this.name = 'SnowflakeObjectMissingError';
  }
}

/** The role may not do this. */
export class SnowflakePrivilegeError extends SnowflakeError {
  constructor(
    readonly role: string,
    detail: string,
    opts: { code?: string; cause?: unknown } = {},
  ) {
    super(`Snowflake role ${role} lacks a privilege: ${detail}`, {
      hint: `Grant role ${role} what the statement needs (docs/cloud.md, "Snowflake: roles"), or use a role that has it.`,
      retryable: false,
      ...opts,
    });
    this.name = 'SnowflakePrivilegeError';
  }
}

/** The statement ran past its time limit and was cancelled. */
export class SnowflakeStatementTimeoutError extends SnowflakeError {
  constructor(
    readonly seconds: number,
    readonly queryId: string | undefined,
    opts: { code?: string; cause?: unknown } = {},
  ) {
    super(`The Snowflake statement${queryId ? ` ${queryId}` : ''} ran longer than ${seconds} s and was cancelled.`, {
      hint: 'A larger warehouse, a narrower query, or a longer statement timeout in the profile (snowflake.statement_timeout_seconds).',
      retryable: true,
      ...opts,
    });
    this.name = 'SnowflakeStatementTimeoutError';
  }
}

/** Any other failure of a statement: Snowflake's message as it is (bad SQL, a conversion). */
export class SnowflakeStatementError extends SnowflakeError {
  constructor(
    message: string,
    readonly sqlState: string | undefined,
    opts: { code?: string; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { hint: 'See the statement and Snowflake\u2019s message above.', retryable: opts.retryable ?? false, code: opts.code, cause: opts.cause });
    this.name = 'SnowflakeStatementError';
  }
}
