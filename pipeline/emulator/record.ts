// emulator.json: what the supervisor (emulator/claims_emulator) writes into its state folder once
// every server answers, and removes when it stops. The one reader on the TypeScript side; outside
// input, so it is validated before use.

import { Type, type Static } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const LoopbackUrl = Type.String({ pattern: '^http://127\\.0\\.0\\.1:[0-9]{1,5}$' });
const ServerRecord = Type.Object({
  pid: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  started_at: Type.String(),
  restarts: Type.Integer({ minimum: 0 }),
  log: Type.String(),
});
const RecordSchema = Type.Object({
  pid: Type.Integer({ minimum: 1 }),
  started_at: Type.String(),
  state_dir: Type.String(),
  log: Type.String(),
  idle_timeout_seconds: Type.Number({ exclusiveMinimum: 0 }),
  statement_timeout_seconds: Type.Number({ exclusiveMinimum: 0 }),
  endpoints: Type.Object({ s3: LoopbackUrl, glue: LoopbackUrl, logs: LoopbackUrl, snowflake_node: LoopbackUrl, snowflake_python: LoopbackUrl }),
  servers: Type.Object({ aws: ServerRecord, snowflake: ServerRecord, snowflake_node: ServerRecord }),
});
type RecordFile = Static<typeof RecordSchema>;

const validate = new Ajv2020({ allErrors: true, strict: false }).compile<RecordFile>(RecordSchema);

export const SERVER_NAMES = ['aws', 'snowflake', 'snowflake_node'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export interface EmulatorServer {
  pid: number | null;
  port: number;
  startedAt: string;
  restarts: number;
  log: string;
}

/** Where the emulated services answer: AWS SDK endpoint overrides, and the Snowflake hosts. */
export interface EmulatorEndpoints {
  s3: string;
  glue: string;
  logs: string;
  /** IAM, STS and Secrets Manager (deploy and check): the same moto server, which answers for every AWS service */
  iam: string;
  sts: string;
  secretsmanager: string;
  /** for the Node snowflake-sdk (through the emulator's adapter) */
  snowflakeNode: string;
  /** for the Python connector and dbt-snowflake (fakesnow itself) */
  snowflakePython: string;
}

export interface EmulatorInfo {
  /** the supervisor's process id */
  pid: number;
  startedAt: string;
  stateDir: string;
  /** the supervisor's log: starts, restarts, idle stop */
  log: string;
  idleTimeoutSeconds: number;
  statementTimeoutSeconds: number;
  endpoints: EmulatorEndpoints;
  servers: Record<ServerName, EmulatorServer>;
}

/** moto's server dispatches by the request's service, so the aws server's one port answers them all */
const otherAwsServices = (port: number) => {
  const url = `http://127.0.0.1:${port}`;
  return { iam: url, sts: url, secretsmanager: url };
};

export const recordPath = (stateDir: string): string => join(stateDir, 'emulator.json');

/** The record in `stateDir`, or null when there is none; throws naming the file when it is malformed. */
export async function readEmulatorRecord(stateDir: string): Promise<EmulatorInfo | null> {
  const file = recordPath(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message}); stop the emulator's processes and remove the file`, { cause: err });
  }
  if (!validate(parsed)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(file)'} ${e.message ?? e.keyword}`).join('; ');
    throw new Error(`${file}: not an emulator record (${problems})`);
  }
  const r = parsed;
  const server = (s: RecordFile['servers']['aws']): EmulatorServer => ({ pid: s.pid, port: s.port, startedAt: s.started_at, restarts: s.restarts, log: s.log });
  return {
    pid: r.pid,
    startedAt: r.started_at,
    stateDir: r.state_dir,
    log: r.log,
    idleTimeoutSeconds: r.idle_timeout_seconds,
    statementTimeoutSeconds: r.statement_timeout_seconds,
    endpoints: { s3: r.endpoints.s3, glue: r.endpoints.glue, logs: r.endpoints.logs, ...otherAwsServices(r.servers.aws.port), snowflakeNode: r.endpoints.snowflake_node, snowflakePython: r.endpoints.snowflake_python },
    servers: { aws: server(r.servers.aws), snowflake: server(r.servers.snowflake), snowflake_node: server(r.servers.snowflake_node) },
  };
}
