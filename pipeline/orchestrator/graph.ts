// The orchestrator runs whatever graph it is given: stage names are the graph's own, and among
// stages ready at the same time, the order they were registered in decides.

import type { Stage, StageName } from './types.ts';

export class StageGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageGraphError';
  }
}

const STAGE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

function validate(stages: Stage[]): { byName: Map<StageName, Stage>; rank: (name: StageName) => number } {
  const byName = new Map<StageName, Stage>();
  for (const stage of stages) {
    // Stages are plug-ins; their names are checked at run time, not only by the compiler.
    if (typeof stage.name !== 'string' || !STAGE_NAME.test(stage.name)) throw new StageGraphError(`Stage name ${JSON.stringify(stage.name)} is not a name: lower case letters, digits, - and _.`);
    if (byName.has(stage.name)) throw new StageGraphError(`Stage "${stage.name}" is registered twice; register each stage once.`);
    byName.set(stage.name, stage);
  }
  for (const stage of stages) {
    for (const dep of stage.dependsOn) {
      if (dep === stage.name) throw new StageGraphError(`Stage "${stage.name}" depends on itself.`);
      if (!byName.has(dep)) {
        throw new StageGraphError(`Stage "${stage.name}" depends on "${dep}", which is not registered; register a "${dep}" stage or drop the dependency.`);
      }
    }
  }
  const order = stages.map((s) => s.name);
  return { byName, rank: (name) => order.indexOf(name) };
}

/** A cycle among the given stages, as a dependency path that starts and ends on the same stage. */
function findCycle(remaining: StageName[], byName: Map<StageName, Stage>, rank: (name: StageName) => number): StageName[] {
  const inCycle = new Set(remaining);
  const path: StageName[] = [];
  const onPath = new Set<StageName>();
  const done = new Set<StageName>();
  const visit = (name: StageName): StageName[] | undefined => {
    if (onPath.has(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return undefined;
    path.push(name);
    onPath.add(name);
    for (const dep of [...(byName.get(name)?.dependsOn ?? [])].sort((a, b) => rank(a) - rank(b))) {
      if (!inCycle.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
    return undefined;
  };
  for (const name of remaining) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return remaining;
}

/**
 * Validates the stage list and returns every stage in execution order: dependencies first, and
 * among stages that are ready at the same time, the order they were registered in.
 */
export function executionOrder(stages: Stage[]): Stage[] {
  const { byName, rank } = validate(stages);
  const waitingOn = new Map(stages.map((s) => [s.name, new Set(s.dependsOn)]));
  const order: Stage[] = [];
  while (waitingOn.size > 0) {
    const ready = [...waitingOn].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (ready.length === 0) {
      const cycle = findCycle([...waitingOn.keys()].sort((a, b) => rank(a) - rank(b)), byName, rank);
      const links = cycle.slice(0, -1).map((name, i) => `${name} depends on ${cycle[i + 1]}`);
      throw new StageGraphError(`The stage graph has a cycle (${links.join(', ')}); remove one of these dependencies.`);
    }
    const next = ready.sort((a, b) => rank(a) - rank(b))[0] as StageName;
    order.push(byName.get(next) as Stage);
    waitingOn.delete(next);
    for (const deps of waitingOn.values()) deps.delete(next);
  }
  return order;
}

/**
 * The names of the stages a run executes, in order. Without a selection that is the whole graph.
 * With one, exactly the selected stages run: dependencies outside the selection are the caller's
 * business (Airflow runs stages one at a time), and the graph order still holds among the selected.
 */
export function planRun(stages: Stage[], selected?: readonly string[]): StageName[] {
  const order = executionOrder(stages).map((s) => s.name);
  if (selected === undefined) return order;
  if (selected.length === 0) throw new StageGraphError(`No stages selected; select at least one of: ${order.join(', ')}.`);
  for (const name of selected) {
    if (!order.includes(name)) throw new StageGraphError(`Unknown stage "${name}" in the selection; stages: ${order.join(', ')}.`);
  }
  return order.filter((name) => selected.includes(name));
}
