// The Secrets Manager secret Glue job 2 reads its Snowflake connection from
// (glue/hfc_glue/snowflake_credentials.py): made from the profile's Snowflake settings and the
// secret its auth names (environment variable, key file, keychain), in memory only. Deploy compares
// the secret's current value with the wanted one by hash; neither is ever printed, logged or written
// to a file.

import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsCall, awsErrorCode, type AwsCallContext } from '../aws/errors.ts';
import { resolveAuth } from '../snowflake/secrets.ts';
import type { AwsProfile } from '../profiles/types.ts';
import type { SnowflakeSettings } from '../snowflake/settings.ts';
import { sha256 } from './artifacts.ts';

export class SecretSourceError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'SecretSourceError';
  }
}

/** The secret's JSON for the settings (the keys snowflake_credentials.py reads). */
export async function secretValue(settings: SnowflakeSettings, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const auth = await resolveAuth(settings.auth, env);
  if (auth.authenticator === 'EXTERNALBROWSER') {
    throw new SecretSourceError(
      `Glue job 2 cannot log in to Snowflake as ${settings.user} with browser SSO: a job has no browser.`,
      "Give the profile's snowflake.auth a key pair (method key_pair) or a password for the pipeline's service user.",
    );
  }
  const doc: Record<string, string | number> = {
    account: settings.account,
    user: settings.user,
    role: settings.role,
    warehouse: settings.warehouse,
    ...(auth.authenticator === 'SNOWFLAKE' ? { password: auth.password } : { private_key: auth.privateKey }),
    ...(settings.endpoint ? { host: settings.endpoint.host, port: settings.endpoint.port, protocol: settings.endpoint.protocol } : {}),
  };
  return JSON.stringify(doc);
}

export type SecretState = 'create' | 'update' | 'unchanged';

export interface SecretPlan {
  id: string;
  state: SecretState;
  /** the value to write: held for apply, never shown (JSON output and plan lines leave it out) */
  readonly value: string;
}

const ctx = (id: string, action: string): AwsCallContext => ({ action, resource: `Secrets Manager secret ${id}` });

async function currentValue(sm: SecretsManagerClient, id: string): Promise<string | null> {
  try {
    const r = await awsCall(ctx(id, 'secretsmanager:GetSecretValue'), () => sm.send(new GetSecretValueCommand({ SecretId: id })));
    return r.SecretString ?? null;
  } catch (err) {
    if (awsErrorCode(err) === 'ResourceNotFoundException') return null;
    throw err;
  }
}

export async function planSecret(sm: SecretsManagerClient, id: string, value: string): Promise<SecretPlan> {
  const have = await currentValue(sm, id);
  const state: SecretState = have === null ? 'create' : sha256(have) === sha256(value) ? 'unchanged' : 'update';
  // not enumerable: JSON.stringify of a plan (claims deploy --json) leaves the value out
  const plan = { id, state } as SecretPlan;
  Object.defineProperty(plan, 'value', { value, enumerable: false });
  return plan;
}

export async function applySecret(sm: SecretsManagerClient, plan: SecretPlan): Promise<void> {
  if (plan.state === 'create') {
    try {
      await awsCall(ctx(plan.id, 'secretsmanager:CreateSecret'), () =>
        sm.send(new CreateSecretCommand({ Name: plan.id, SecretString: plan.value, Description: 'Snowflake connection of the Health Finance Claims load job (Glue job 2); written by claims deploy', Tags: [{ Key: 'hfc:managed-by', Value: 'claims deploy' }] })),
      );
      return;
    } catch (err) {
      // a concurrent deploy (another workspace, a run's auto-deploy) created it since the plan: write the value
      if (awsErrorCode(err) !== 'ResourceExistsException') throw err;
    }
  }
  if (plan.state !== 'unchanged') {
    await awsCall(ctx(plan.id, 'secretsmanager:PutSecretValue'), () => sm.send(new PutSecretValueCommand({ SecretId: plan.id, SecretString: plan.value })));
  }
}

/** Whether the secret exists (destroy's plan). */
export async function secretExists(sm: SecretsManagerClient, id: string): Promise<boolean> {
  try {
    await awsCall(ctx(id, 'secretsmanager:DescribeSecret'), () => sm.send(new DescribeSecretCommand({ SecretId: id })));
    return true;
  } catch (err) {
    if (awsErrorCode(err) === 'ResourceNotFoundException') return false;
    throw err;
  }
}

export async function deleteSecret(sm: SecretsManagerClient, id: string): Promise<void> {
  // without the recovery window: a deploy after destroy creates it afresh under the same name
  await awsCall(ctx(id, 'secretsmanager:DeleteSecret'), () => sm.send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true })));
}

/** The Secrets Manager secret deploy writes for Glue job 2's Snowflake connection. */
export function snowflakeSecretId(profile: AwsProfile): string {
  return `health-finance-claims/${profile.name}/snowflake`;
}
