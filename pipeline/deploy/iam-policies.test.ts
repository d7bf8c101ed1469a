// docs/cloud.md prints the Glue role's and the deployer's policies for an example profile: they are
// these functions' output, so the docs cannot drift from what deploy gives the emulator's role and
// what the product calls.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './artifacts.ts';
import { deployerPolicy, DOCS_EXAMPLE, GLUE_TRUST_POLICY, glueRolePolicy } from './iam-policies.ts';

const docs = readFileSync(join(REPO_ROOT, 'docs', 'cloud.md'), 'utf8');
const block = (marker: string): unknown => {
  const m = new RegExp(`<!-- iam: ${marker} -->\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``).exec(docs);
  if (!m) throw new Error(`docs/cloud.md has no policy block "${marker}"`);
  return JSON.parse(m[1]!);
};

describe('the IAM policies in docs/cloud.md', () => {
  const { profile, secretId } = DOCS_EXAMPLE;
  it('are those of the code', () => {
    expect(block('glue-trust')).toEqual(GLUE_TRUST_POLICY);
    expect(block('glue-role')).toEqual(glueRolePolicy(profile, secretId));
    expect(block('deployer')).toEqual(deployerPolicy(profile, secretId));
  });

  it('scope the role to the lake prefix and the job names, and pass the role only to Glue', () => {
    const role = glueRolePolicy(profile, secretId);
    expect(role.Statement.find((s) => s.Sid === 'LakeObjects')?.Resource).toBe('arn:aws:s3:::BUCKET/PREFIX/*');
    const deployer = deployerPolicy(profile, secretId);
    expect(deployer.Statement.find((s) => s.Sid === 'PassGlueRole')).toMatchObject({ Resource: 'arn:aws:iam::ACCOUNT:role/GLUE_ROLE', Condition: { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } } });
    expect(deployer.Statement.find((s) => s.Sid === 'GlueJobs')?.Resource).toEqual(['arn:aws:glue:REGION:ACCOUNT:job/CLEANSE_JOB', 'arn:aws:glue:REGION:ACCOUNT:job/LOAD_JOB']);
    // with SSE-KMS the role may use the lake's key, and only then
    expect(role.Statement.some((s) => s.Sid === 'LakeKey')).toBe(false);
    const kms = glueRolePolicy({ ...profile, aws: { ...profile.aws, encryption: { mode: 'sse-kms', kms_key_id: 'arn:aws:kms:REGION:ACCOUNT:key/K' } } }, secretId);
    expect(kms.Statement.find((s) => s.Sid === 'LakeKey')).toMatchObject({ Resource: 'arn:aws:kms:REGION:ACCOUNT:key/K' });
  });
});
