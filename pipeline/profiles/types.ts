import type { RetryPolicy } from '../orchestrator/types.ts';
import type { PipelineStage } from '../stages/names.ts';

/** A pipeline profile: which implementations run the stages, and with what settings. */
export interface Profile {
  name: string;
  kind: 'local';
  description?: string;
  generate: { seed: number; members: number; providers: number; claims: number; dirty_rate: number; rows_per_file: number };
  retry: RetryPolicy;
  /** per-stage timeout in seconds (0 = none) */
  timeouts: Partial<Record<PipelineStage | 'default', number>>;
  /** cron expression for `claims schedule` */
  schedule?: string;
  freshness_hours: number;
  duckdb: { threads?: number; memory_limit: string };
  /** which engine cleanses a batch: the DuckDB one, or Glue job 1's code on local PySpark */
  cleanse: { engine: CleanseEngineName };
  dbt: { target: 'local'; threads: number };
}

export const CLEANSE_ENGINES = ['duckdb', 'spark'] as const;
export type CleanseEngineName = (typeof CLEANSE_ENGINES)[number];

/** A profile as written in profiles.yaml: every key optional, defaults from the built-in `local`. */
export interface RawProfile {
  kind?: 'local';
  description?: string;
  generate?: Partial<Profile['generate']>;
  retry?: { max_attempts?: number; base_delay_ms?: number; max_delay_ms?: number; jitter?: number };
  timeouts?: Profile['timeouts'];
  schedule?: string;
  freshness_hours?: number;
  duckdb?: Partial<Profile['duckdb']>;
  cleanse?: Partial<Profile['cleanse']>;
  dbt?: Partial<Profile['dbt']>;
}

export interface ProfilesFile {
  active?: string;
  profiles: Record<string, RawProfile>;
}
