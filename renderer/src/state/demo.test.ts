import { describe, expect, it } from 'vitest';
import { demoSteps } from './demo.ts';

describe('the demo tour captions', () => {
  it('speak of the embedded DuckDB on a local profile, and of S3, Glue and Snowflake on an aws one', () => {
    const local = demoSteps({ profile: 'local', kind: 'local' }).map((s) => s.caption).join(' ');
    const cloud = demoSteps({ profile: 'cloud-emulator', kind: 'aws' }).map((s) => s.caption).join(' ');
    expect(local).toContain('on the embedded DuckDB');
    expect(local).not.toMatch(/S3|Glue|Snowflake/);
    expect(cloud).toContain('The same pipeline, now on S3, Glue and Snowflake (profile cloud-emulator)');
    expect(cloud).toMatch(/Glue job 1 \(PySpark\) cleanses them .* Glue job 2 loads Snowflake/);
    expect(cloud).not.toContain('embedded DuckDB');
  });

  it('tell the same story in the same steps on either path', () => {
    const strip = (kind: 'local' | 'aws') => demoSteps({ profile: 'p', kind }).map((s) => [s.title, s.view, s.action ?? null]);
    expect(strip('aws')).toEqual(strip('local'));
  });
});
