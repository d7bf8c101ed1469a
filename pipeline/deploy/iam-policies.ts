// The IAM documents of a deployment, as data: the Glue role's trust policy and permissions (what an
// administrator attaches on a real account, and what deploy gives the role it makes on the cloud
// emulator's account), and the permissions of the person running deploy, check and destroy.
// docs/cloud.md prints them for an example profile; iam-policies.test.ts checks those copies.

import type { AwsProfile } from '../profiles/types.ts';
import { snowflakeSecretId } from './secret.ts';

type Statement = { Sid: string; Effect: 'Allow'; Action: string | string[]; Resource?: string | string[]; Principal?: Record<string, string>; Condition?: Record<string, Record<string, string | string[]>> };
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export const GLUE_TRUST_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'GlueAssumesTheJobRole', Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

export const glueTrustPolicyJson = (): string => JSON.stringify(GLUE_TRUST_POLICY);

const arnPart = (p: AwsProfile) => (p.glue.role_arn.split(':')[1] ?? 'aws');
const account = (p: AwsProfile) => p.glue.role_arn.split(':')[4] ?? '*';

/**
 * What the jobs' role may do beyond AWS's managed service-role/AWSGlueServiceRole (attached beside
 * it on a real account): the lake prefix (read, write, the deployed code below it), the jobs' logs,
 * job 2's secret, and the lake's KMS key when it has one.
 */
export function glueRolePolicy(p: AwsProfile, secretId: string): PolicyDocument {
  const part = arnPart(p);
  const prefix = p.aws.prefix;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'LakeObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `arn:${part}:s3:::${p.aws.bucket}/${prefix}*` },
      { Sid: 'LakeListing', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:${part}:s3:::${p.aws.bucket}`, ...(prefix ? { Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}) },
      { Sid: 'JobLogs', Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:${part}:logs:${p.aws.region}:${account(p)}:log-group:/aws-glue/*` },
      { Sid: 'SnowflakeSecret', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:${part}:secretsmanager:${p.aws.region}:${account(p)}:secret:${secretId}-*` },
      ...(p.aws.encryption.mode === 'sse-kms' ? [{ Sid: 'LakeKey', Effect: 'Allow' as const, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: p.aws.encryption.kms_key_id }] : []),
    ],
  };
}

/** What the person (or CI identity) running claims deploy / check / destroy needs, beyond the run's own permissions. */
export function deployerPolicy(p: AwsProfile, secretId: string): PolicyDocument {
  const part = arnPart(p);
  const acct = account(p);
  const jobs = Object.values(p.glue.jobs).map((j) => `arn:${part}:glue:${p.aws.region}:${acct}:job/${j}`);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'WhoAmI', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
      { Sid: 'DeployedCode', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `arn:${part}:s3:::${p.aws.bucket}/${p.aws.prefix}*` },
      { Sid: 'BucketListing', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: `arn:${part}:s3:::${p.aws.bucket}` },
      { Sid: 'GlueJobs', Effect: 'Allow', Action: ['glue:GetJob', 'glue:CreateJob', 'glue:UpdateJob', 'glue:DeleteJob'], Resource: jobs },
      { Sid: 'GlueRole', Effect: 'Allow', Action: 'iam:GetRole', Resource: p.glue.role_arn },
      { Sid: 'PassGlueRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: p.glue.role_arn, Condition: { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } } },
      { Sid: 'CheckPassRole', Effect: 'Allow', Action: 'iam:SimulatePrincipalPolicy', Resource: '*' },
      {
        Sid: 'SnowflakeSecret',
        Effect: 'Allow',
        Action: ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource'],
        Resource: `arn:${part}:secretsmanager:${p.aws.region}:${acct}:secret:${secretId}-*`,
      },
    ],
  };
}

/** The profile docs/cloud.md shows the policies for, its names in capitals for a reader to put their own in. */
const DOCS_PROFILE = {
  name: 'PROFILE',
  kind: 'aws',
  emulator: false,
  aws: { region: 'REGION', bucket: 'BUCKET', prefix: 'PREFIX/', encryption: { mode: 'sse-s3' } },
  glue: { role_arn: 'arn:aws:iam::ACCOUNT:role/GLUE_ROLE', jobs: { cleanse: 'CLEANSE_JOB', load: 'LOAD_JOB' }, code_prefix: '_deploy/' },
} as AwsProfile;
export const DOCS_EXAMPLE: { profile: AwsProfile; secretId: string } = { profile: DOCS_PROFILE, secretId: snowflakeSecretId(DOCS_PROFILE) };
