import { describe, expect, it } from 'vitest';
import { consoleLinksFor, snowsightAccountPath } from './console-links.ts';

const real = (region: string, account = 'acme-analytics') => consoleLinksFor({ emulator: false, aws: { region }, snowflake: { account } });

describe('console links of a real account', () => {
  it('opens the Glue Studio page of the job run, in the run region', () => {
    expect(real('eu-west-1').glueRun('claims-cleanse', 'jr_0123abc')).toEqual({
      url: 'https://console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/claims-cleanse/run/jr_0123abc',
    });
    // a name with a slash stays one path segment
    expect(real('us-east-1').glueRun('team/cleanse', 'jr_1')).toEqual({ url: 'https://console.aws.amazon.com/gluestudio/home?region=us-east-1#/job/team%2Fcleanse/run/jr_1' });
  });

  it('opens the S3 console at the prefix, and the partition console outside the commercial one', () => {
    expect(real('eu-west-1').s3('s3://claims-lake/prod/raw/csv/')).toEqual({ url: 'https://s3.console.aws.amazon.com/s3/buckets/claims-lake?region=eu-west-1&prefix=prod%2Fraw%2Fcsv%2F' });
    expect(real('us-east-1').s3('s3://claims-lake/')).toEqual({ url: 'https://s3.console.aws.amazon.com/s3/buckets/claims-lake?region=us-east-1' });
    expect(real('cn-north-1').s3('s3://b/p/')).toEqual({ url: 'https://console.amazonaws.cn/s3/buckets/b?region=cn-north-1&prefix=p%2F' });
    expect(real('us-gov-west-1').glueRun('j', 'jr_2')).toEqual({ url: 'https://console.amazonaws-us-gov.com/gluestudio/home?region=us-gov-west-1#/job/j/run/jr_2' });
    expect(real('us-east-1').s3('/not/an/s3/uri')).toBeUndefined();
  });

  it('opens the Snowsight query detail page for an orgname-accountname account, and gives no link for a locator', () => {
    expect(real('us-east-1', 'ACME-ANALYTICS').snowflakeQuery('01b8f2c1-0000-a1b2-0000-0004c3d2e1f0')).toEqual({
      url: 'https://app.snowflake.com/acme/analytics/#/compute/history/queries/01b8f2c1-0000-a1b2-0000-0004c3d2e1f0/detail',
    });
    expect(snowsightAccountPath('acme-claims-prod')).toBe('acme/claims_prod');
    expect(snowsightAccountPath('acme-claims_prod.snowflakecomputing.com')).toBe('acme/claims_prod');
    expect(snowsightAccountPath('xy12345.us-east-2.aws')).toBeNull();
    expect(real('us-east-1', 'xy12345').snowflakeQuery('01b8')).toBeUndefined();
  });
});

describe('console links on the emulator', () => {
  it('are no URLs at all: every resource says it is emulated', () => {
    const links = consoleLinksFor({ emulator: true, aws: { region: 'us-east-1' }, snowflake: { account: 'emulator' } });
    expect(links.glueRun('j', 'jr_1')).toEqual({ emulated: true });
    expect(links.s3('s3://b/p/')).toEqual({ emulated: true });
    expect(links.snowflakeQuery('q1')).toEqual({ emulated: true });
  });
});
