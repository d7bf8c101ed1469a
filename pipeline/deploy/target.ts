// What deploy, check and destroy work on: a profile of kind aws with its AWS clients, its Snowflake
// settings (the Node driver's, for the objects; and those Glue job 2 connects with, for its secret)
// and where the jobs' code comes from. Built from the workspace for the CLI (deployTarget), or by a
// test from the test run's emulator.

import { snowflakeSecretId } from './secret.ts';
import { awsClients, type AwsClients } from '../aws/clients.ts';
import { awsForProfile } from '../aws/profile-settings.ts';
import type { AwsProfile } from '../profiles/types.ts';
import { snowflakeSettingsFor } from '../snowflake/profile-settings.ts';
import type { SnowflakeSettings } from '../snowflake/settings.ts';
import { repoArtifacts, REPO_ROOT, type ArtifactSource } from './artifacts.ts';

export interface DeployTarget {
  profile: AwsProfile;
  clients: AwsClients;
  /** for the Snowflake objects and check (the Node driver) */
  snowflake: SnowflakeSettings;
  /** what Glue job 2 connects with (the Python connector): its secret is made from these */
  jobSnowflake: SnowflakeSettings;
  /** the cloud emulator's account: deploy also makes what an administrator makes on a real one */
  emulated: boolean;
  /** the Secrets Manager secret of Glue job 2 */
  secretId: string;
  artifacts: ArtifactSource;
  /** the checkout whose glue/jobs/*.job.json define the jobs */
  root: string;
  /** where secrets named by environment variable are read (default process.env) */
  env?: NodeJS.ProcessEnv;
}

export async function deployTarget(workspace: string, profile: AwsProfile): Promise<DeployTarget> {
  const { settings, emulator } = await awsForProfile(workspace, profile);
  return {
    profile,
    clients: awsClients(settings),
    snowflake: snowflakeSettingsFor(profile, emulator, 'node'),
    jobSnowflake: snowflakeSettingsFor(profile, emulator, 'python'),
    emulated: emulator !== null,
    secretId: snowflakeSecretId(profile),
    artifacts: repoArtifacts(),
    root: REPO_ROOT,
  };
}

/** s3://bucket/<prefix> of the lake, no trailing slash */
export const lakeUri = (p: AwsProfile): string => `s3://${p.aws.bucket}/${p.aws.prefix}`.replace(/\/+$/, '');
/** the key prefix of the deployed code (below it, one folder per code version) */
export const codeKeyPrefix = (p: AwsProfile): string => `${p.aws.prefix}${p.glue.code_prefix}`;
/** the IAM role name of an ARN (arn:aws:iam::<account>:role/<path/>name) */
export const roleName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);
export const rolePath = (arn: string): string => {
  const after = arn.slice(arn.indexOf(':role/') + ':role'.length);
  return after.slice(0, after.lastIndexOf('/') + 1) || '/';
};
