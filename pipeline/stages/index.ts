// The pipeline's stages and their factories, in graph order (the names are in names.ts). The
// orchestrator runs whatever graph it is given; this is the graph the product gives it.

import type { Stage } from '../orchestrator/types.ts';
import { cleanseStage } from './cleanse.ts';
import type { PipelineContext } from './context.ts';
import { generateStage } from './generate.ts';
import { ingestStage } from './ingest.ts';
import { loadStage } from './load.ts';
import { transformStage } from './transform.ts';
import { verifyStage } from './verify.ts';

import { PIPELINE_STAGES, type PipelineStage } from './names.ts';

const FACTORIES: Record<PipelineStage, (p: PipelineContext) => Stage> = {
  generate: generateStage,
  ingest: ingestStage,
  cleanse: cleanseStage,
  load: loadStage,
  transform: transformStage,
  verify: verifyStage,
};

/** The pipeline's stages for one run's context, in graph order. */
export function pipelineStages(p: PipelineContext): Stage[] {
  return PIPELINE_STAGES.map((name) => FACTORIES[name](p));
}
