import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact.ts';

describe('redactSecrets', () => {
  it('replaces values of secret-named keys at any depth and leaves the input alone', () => {
    const input = {
      profile: 'cloud',
      snowflake: { account: 'xy123', user: 'loader', password: 'hunter2', privateKey: '-----BEGIN', private_key_passphrase: 'pp' },
      aws: [{ accessKeyId: 'AKIA', secretAccessKey: 's3cr3t', sessionToken: 'tok' }],
      apiKey: 'k',
      tokenCount: 0,
      none: { password: null },
    };
    const out = redactSecrets(input);
    expect(out).toEqual({
      profile: 'cloud',
      snowflake: { account: 'xy123', user: 'loader', password: REDACTED, privateKey: REDACTED, private_key_passphrase: REDACTED },
      aws: [{ accessKeyId: 'AKIA', secretAccessKey: REDACTED, sessionToken: REDACTED }],
      apiKey: REDACTED,
      tokenCount: REDACTED,
      none: { password: null },
    });
    expect(input.snowflake.password).toBe('hunter2');
  });

  it('removes passwords from connection strings', () => {
    expect(redactSecrets({ url: 'snowflake://loader:hunter2@xy123/db?warehouse=wh' })).toEqual({ url: `snowflake://loader:${REDACTED}@xy123/db?warehouse=wh` });
    expect(redactSecrets('see https://example.com:8443/path and s3://bucket/key')).toBe('see https://example.com:8443/path and s3://bucket/key');
  });

  it('makes cycles, bigints, dates and errors JSON-safe', () => {
    const a: Record<string, unknown> = { rows: 12n, at: new Date('2025-01-02T03:04:05Z'), err: new TypeError('bad') };
    a.self = a;
    const shared = { n: 1 };
    a.twice = [shared, shared];
    expect(JSON.parse(JSON.stringify(redactSecrets(a)))).toEqual({
      rows: '12',
      at: '2025-01-02T03:04:05.000Z',
      err: { name: 'TypeError', message: 'bad' },
      self: '[circular]',
      twice: [{ n: 1 }, { n: 1 }],
    });
  });
});
