import { describe, expect, it } from 'vitest';
import { executionOrder, planRun, StageGraphError } from './graph.ts';
import type { Stage, StageName } from './types.ts';

const stage = (name: StageName, dependsOn: StageName[] = []): Stage => ({ name, dependsOn, run: async () => ({}) });

const pipeline = (): Stage[] => [
  stage('generate'),
  stage('ingest', ['generate']),
  stage('cleanse', ['ingest']),
  stage('load', ['cleanse']),
  stage('transform', ['load']),
  stage('verify', ['transform']),
];

const names = (stages: Stage[]) => stages.map((s) => s.name);

describe('executionOrder', () => {
  it('puts dependencies first whatever order the stages are registered in', () => {
    expect(names(executionOrder(pipeline().reverse()))).toEqual(['generate', 'ingest', 'cleanse', 'load', 'transform', 'verify']);
  });

  it('breaks ties between ready stages by the order they were registered in', () => {
    // transform and verify both only need load: whichever was registered first runs first
    expect(names(executionOrder([stage('load'), stage('transform', ['load']), stage('verify', ['load'])]))).toEqual(['load', 'transform', 'verify']);
    expect(names(executionOrder([stage('verify', ['load']), stage('load'), stage('transform', ['load'])]))).toEqual(['load', 'verify', 'transform']);
  });

  it('runs any graph it is given, whatever its stages are called', () => {
    expect(names(executionOrder([stage('publish', ['build']), stage('build')]))).toEqual(['build', 'publish']);
  });

  it('lets a dependency override the registration order', () => {
    expect(names(executionOrder([stage('generate', ['verify']), stage('verify')]))).toEqual(['verify', 'generate']);
  });

  it('rejects a dependency on a stage that is not registered', () => {
    expect(() => executionOrder([stage('load', ['cleanse'])])).toThrow(/"load" depends on "cleanse", which is not registered/);
  });

  it('rejects badly named, duplicate and self-dependent stages', () => {
    expect(() => executionOrder([{ ...stage('load'), name: 'Load Data' }])).toThrow(/Stage name "Load Data" is not a name/);
    expect(() => executionOrder([stage('load'), stage('load')])).toThrow(/"load" is registered twice/);
    expect(() => executionOrder([stage('load', ['load'])])).toThrow(/"load" depends on itself/);
    expect(() => executionOrder([stage('load', ['bogus'])])).toThrow(/"load" depends on "bogus", which is not registered/);
  });

  it('names the stages of a cycle', () => {
    const stages = [stage('generate'), stage('cleanse', ['load', 'generate']), stage('load', ['transform']), stage('transform', ['cleanse'])];
    const err = (() => {
      try {
        executionOrder(stages);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a cycle error');
    })();
    expect(err).toBeInstanceOf(StageGraphError);
    expect(err.message).toBe(
      'The stage graph has a cycle (cleanse depends on load, load depends on transform, transform depends on cleanse); remove one of these dependencies.',
    );
  });
});

describe('planRun', () => {
  it('plans the whole graph without a selection', () => {
    expect(planRun(pipeline())).toEqual(['generate', 'ingest', 'cleanse', 'load', 'transform', 'verify']);
  });

  it('runs exactly the selected stages, in graph order, without their unselected dependencies', () => {
    expect(planRun(pipeline(), ['load', 'cleanse'])).toEqual(['cleanse', 'load']);
    expect(planRun(pipeline(), ['verify'])).toEqual(['verify']);
    expect(planRun(pipeline(), ['verify', 'generate', 'generate'])).toEqual(['generate', 'verify']);
  });

  it('rejects selections naming unknown or unregistered stages, and empty ones', () => {
    expect(() => planRun(pipeline(), ['cleanse', 'clean'])).toThrow(/Unknown stage "clean" in the selection/);
    expect(() => planRun(pipeline().slice(0, 3), ['load'])).toThrow(/Unknown stage "load" in the selection; stages: generate, ingest, cleanse/);
    expect(() => planRun(pipeline(), [])).toThrow(/No stages selected/);
  });
});
