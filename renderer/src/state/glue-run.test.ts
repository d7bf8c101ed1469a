import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../pipeline/api/protocol.ts';
import { glueLogStream, glueRunOf, liveGlueRun } from './glue-run.ts';

let seq = 0;
const log = (glueRunId: string, state: string, extra: Record<string, unknown> = {}): RunEvent => ({
  type: 'stage.log',
  runId: 'r1',
  seq: ++seq,
  stage: 'cleanse',
  attempt: 1,
  level: 'info',
  message: `Glue job j run ${glueRunId}: ${state}`,
  fields: { glue_run_id: glueRunId, state, ...extra },
  timestamp: '2026-12-02T00:00:00.000Z',
});

describe('the Glue run of a stage', () => {
  it('is the recorded run with its states in order and the last state reported for that run only', () => {
    const events = [log('jr_1', 'STARTING'), log('jr_1', 'RUNNING', { execution_seconds: 4 }), log('jr_0', 'FAILED'), log('jr_1', 'SUCCEEDED', { execution_seconds: 31, console: { emulated: true } })];
    expect(glueRunOf({ glueRunId: 'jr_1', jobName: 'claims-cleanse' }, events)).toEqual({
      jobName: 'claims-cleanse',
      runId: 'jr_1',
      state: 'SUCCEEDED',
      states: ['STARTING', 'RUNNING', 'SUCCEEDED'],
      executionSeconds: 31,
      console: { emulated: true },
    });
    expect(glueRunOf({ glueRunId: 'jr_0', jobName: 'claims-cleanse' }, events.slice(0, 3))?.state).toBe('FAILED');
    expect(glueRunOf({ glueRunId: 'jr_2' }, events)).toEqual({ jobName: null, runId: 'jr_2', state: null, states: [], executionSeconds: null, console: null });
  });

  it('links only to an https console page, never to anything else a field may hold', () => {
    expect(glueRunOf({ glueRunId: 'jr_1' }, [log('jr_1', 'RUNNING', { console: { url: 'https://console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/j/run/jr_1' } })])?.console).toEqual({
      url: 'https://console.aws.amazon.com/gluestudio/home?region=eu-west-1#/job/j/run/jr_1',
    });
    expect(glueRunOf({ glueRunId: 'jr_1' }, [log('jr_1', 'RUNNING', { console: { url: 'javascript:alert(1)' } })])?.console).toBeNull();
  });

  it('is nothing for a stage that started no Glue run', () => {
    expect(glueRunOf(undefined, [log('jr_1', 'RUNNING')])).toBeNull();
    expect(glueRunOf({ other: 1 }, [])).toBeNull();
  });

  it('is followed live from the stage\'s log: the latest run it names, with that run\'s last state', () => {
    const started: RunEvent = { type: 'stage.started', runId: 'r1', seq: ++seq, stage: 'cleanse', attempt: 2, maxAttempts: 3, timeoutMs: 1000, timestamp: '2026-12-02T00:00:00.000Z' };
    expect(liveGlueRun('cleanse', [log('jr_1', 'RUNNING')])).toEqual({ runId: 'jr_1', state: 'RUNNING' });
    // a retry starts the stage again: the failed attempt's run is no longer the one it is on
    expect(liveGlueRun('cleanse', [log('jr_1', 'FAILED'), started])).toBeNull();
    expect(liveGlueRun('cleanse', [log('jr_1', 'FAILED'), started, log('jr_2', 'STARTING'), log('jr_2', 'RUNNING')])).toEqual({ runId: 'jr_2', state: 'RUNNING' });
    expect(liveGlueRun('load', [log('jr_1', 'RUNNING')])).toBeNull();
  });

  it('tells the job\'s own log lines from the stage\'s', () => {
    const jobLine = log('jr_1', 'x');
    if (jobLine.type === 'stage.log') jobLine.fields = { glue_run_id: 'jr_1', stream: 'error' };
    expect(glueLogStream(jobLine)).toBe('error');
    expect(glueLogStream(log('jr_1', 'RUNNING'))).toBeNull();
  });
});
