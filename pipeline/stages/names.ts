/** The pipeline's stages, in graph order: the one list of them (profiles, the CLI and the API read it). */
export const PIPELINE_STAGES = ['generate', 'ingest', 'cleanse', 'load', 'transform', 'verify'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export function isPipelineStage(name: string): name is PipelineStage {
  return (PIPELINE_STAGES as readonly string[]).includes(name);
}
