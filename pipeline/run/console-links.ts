// Where a person finds a cloud stage's resources: the AWS console page of a Glue job run or an S3
// prefix, the Snowsight page of a Snowflake query, built from the profile's settings (region,
// account). On the emulator there is no console: the resource is marked emulated, never linked to
// a page that does not exist. Only a real account's links are URLs.
//
// URL shapes:
// - Glue job run: https://console.<domain>/gluestudio/home?region=<r>#/job/<job, URL-encoded>/run/<run id>
//   as Apache Airflow's Amazon provider builds it (airflow/providers/amazon/aws/links/glue.py,
//   GlueJobRunDetailsLink, and its test tests/providers/amazon/aws/operators/test_glue.py).
// - S3 prefix: https://s3.console.aws.amazon.com/s3/buckets/<bucket>?region=<r>&prefix=<prefix>/
//   the address the S3 console itself shows for a folder (bucket, region and prefix query).
// - Snowsight query: https://app.snowflake.com/<org>/<account>/#/compute/history/queries/<id>/detail
//   for an account identifier in the preferred orgname-accountname form (docs.snowflake.com,
//   "Account identifiers"; Snowsight's Query History detail page). A legacy locator says nothing
//   of its organisation: no link then.
import type { AwsProfile } from '../profiles/types.ts';

/** A resource's console page on a real account, or the word that it lives on the emulator. */
export type ConsoleRef = { url: string } | { emulated: true };

export interface ConsoleLinks {
  /** an s3://bucket/key-prefix/ of the profile's lake */
  s3(uri: string): ConsoleRef | undefined;
  glueRun(jobName: string, runId: string): ConsoleRef | undefined;
  snowflakeQuery(queryId: string): ConsoleRef | undefined;
}

const EMULATED: ConsoleRef = { emulated: true };

/** The console's domain of the region's AWS partition. */
function consoleDomain(region: string): { glue: string; s3: string } {
  if (region.startsWith('cn-')) return { glue: 'console.amazonaws.cn', s3: 'console.amazonaws.cn' };
  if (region.startsWith('us-gov-')) return { glue: 'console.amazonaws-us-gov.com', s3: 'console.amazonaws-us-gov.com' };
  return { glue: 'console.aws.amazon.com', s3: 's3.console.aws.amazon.com' };
}

/** orgname-accountname (the preferred identifier) as Snowsight's path; null for a legacy locator. */
export function snowsightAccountPath(account: string): string | null {
  const id = account.trim().toLowerCase().replace(/\.snowflakecomputing\.com$/, '');
  const m = /^([a-z0-9]+)-([a-z0-9_-]+)$/.exec(id);
  return m ? `${m[1]}/${m[2]!.replace(/-/g, '_')}` : null;
}

export function consoleLinksFor(profile: Pick<AwsProfile, 'emulator'> & { aws: Pick<AwsProfile['aws'], 'region'>; snowflake: Pick<AwsProfile['snowflake'], 'account'> }): ConsoleLinks {
  if (profile.emulator) return { s3: () => EMULATED, glueRun: () => EMULATED, snowflakeQuery: () => EMULATED };
  const region = profile.aws.region;
  const domain = consoleDomain(region);
  const snowsight = snowsightAccountPath(profile.snowflake.account);
  return {
    s3(uri) {
      const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
      if (!m) return undefined;
      const prefix = m[2] ?? '';
      const query = new URLSearchParams({ region, ...(prefix ? { prefix } : {}) });
      return { url: `https://${domain.s3}/s3/buckets/${encodeURIComponent(m[1]!)}?${query.toString()}` };
    },
    glueRun: (jobName, runId) => ({ url: `https://${domain.glue}/gluestudio/home?region=${encodeURIComponent(region)}#/job/${encodeURIComponent(jobName)}/run/${encodeURIComponent(runId)}` }),
    snowflakeQuery: (queryId) => (snowsight ? { url: `https://app.snowflake.com/${snowsight}/#/compute/history/queries/${encodeURIComponent(queryId)}/detail` } : undefined),
  };
}
