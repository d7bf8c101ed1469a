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
  dbt: { target: 'local'; threads: number };
}

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
  dbt?: Partial<Profile['dbt']>;
}

export interface ProfilesFile {
  active?: string;
  profiles: Record<string, RawProfile>;
}
