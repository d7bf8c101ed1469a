import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { awsCall, AwsError, awsErrorCode, type AwsCallContext } from './errors.ts';

/** Where Glue writes a job run's driver output: one stream per run, named by the run id. */
export const GLUE_LOG_GROUPS = { output: '/aws-glue/jobs/output', error: '/aws-glue/jobs/error' } as const;
export type GlueLogStream = keyof typeof GLUE_LOG_GROUPS;

export interface GlueLogLine {
  stream: GlueLogStream;
  timestamp: number;
  message: string;
}

/** Pages read per group per poll: a bound, so a flood of log lines cannot stall the run's polling. */
const MAX_PAGES_PER_POLL = 50;

/**
 * Follows one Glue run's log streams in CloudWatch Logs. Each group is read forward from its
 * head with GetLogEvents' forward token, so every event is delivered once, in order; a stream
 * Glue has not created yet simply has no lines. Keeps the last error lines for a failure report.
 */
export class GlueRunLogs {
  private readonly tokens: Partial<Record<GlueLogStream, string>> = {};
  private readonly disabled = new Set<GlueLogStream>();
  private readonly tail: string[] = [];

  constructor(
    private readonly logs: CloudWatchLogsClient,
    readonly runId: string,
    private readonly opts: { endpoint?: string; tailLines?: number; groups?: Record<GlueLogStream, string>; onWarning?: (message: string) => void } = {},
  ) {}

  private groups(): Record<GlueLogStream, string> {
    return this.opts.groups ?? GLUE_LOG_GROUPS;
  }

  /** Reads what arrived since the last poll and hands each line to `emit`. */
  /** Emits the lines that arrived since the last poll; says how many. */
  async poll(emit: (line: GlueLogLine) => void): Promise<number> {
    let lines = 0;
    const counted = (line: GlueLogLine) => {
      lines++;
      emit(line);
    };
    for (const stream of ['output', 'error'] as const) {
      if (this.disabled.has(stream)) continue;
      try {
        await this.pollStream(stream, counted);
      } catch (err) {
        // Logs are how a person watches the run, not its outcome: a transient failure waits for
        // the next poll; a lasting one (no permission) is said once and that stream is left alone.
        if (err instanceof AwsError && err.retryable) continue;
        this.disabled.add(stream);
        this.opts.onWarning?.(`Cannot read the Glue run's ${stream} log (${this.groups()[stream]}, stream ${this.runId}): ${(err as Error).message}`);
      }
    }
    return lines;
  }

  private async pollStream(stream: GlueLogStream, emit: (line: GlueLogLine) => void): Promise<void> {
    const logGroupName = this.groups()[stream];
    const ctx: AwsCallContext = { action: 'logs:GetLogEvents', resource: `${logGroupName} stream ${this.runId}`, ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}) };
    for (let page = 0; page < MAX_PAGES_PER_POLL; page++) {
      const token = this.tokens[stream];
      let res;
      try {
        res = await awsCall(ctx, () =>
          this.logs.send(new GetLogEventsCommand({ logGroupName, logStreamName: this.runId, startFromHead: true, ...(token ? { nextToken: token } : {}) })),
        );
      } catch (err) {
        if (awsErrorCode(err) === 'ResourceNotFoundException') return; // no such group or stream yet
        throw err;
      }
      for (const e of res.events ?? []) {
        const message = (e.message ?? '').replace(/\r?\n$/, '');
        emit({ stream, timestamp: e.timestamp ?? 0, message });
        if (stream === 'error') this.remember(message);
      }
      // the end of the stream: the same token comes back (pages may be empty before that)
      const next = res.nextForwardToken;
      if (!next || next === token) return;
      this.tokens[stream] = next;
    }
  }

  private remember(message: string): void {
    const keep = this.opts.tailLines ?? 20;
    for (const line of message.split(/\r?\n/)) this.tail.push(line);
    if (this.tail.length > keep) this.tail.splice(0, this.tail.length - keep);
  }

  /** The last lines of the run's error log read so far. */
  errorTail(): string[] {
    return [...this.tail];
  }
}
