// snowflake-sdk's own log, kept out of files and consoles: by default the driver writes
// ./snowflake.log in the working directory. Here it goes to one sink the product sets (or
// nowhere), after the driver's own masking, the product's redaction of secret-named keys
// (pipeline/orchestrator/redact.ts), and a scrub of the secret values in use now.

import snowflake from 'snowflake-sdk';
import { REDACTED, redactSecrets } from '../orchestrator/redact.ts';

export type DriverLogSink = (level: 'error' | 'warn' | 'info', message: string) => void;

let sink: DriverLogSink | null = null;
let configured = false;
/** every secret value a live session logged in with; removed when the session closes */
const live = new Map<string, number>();

export function holdSecrets(values: string[]): void {
  for (const v of values) if (v) live.set(v, (live.get(v) ?? 0) + 1);
}

export function releaseSecrets(values: string[]): void {
  for (const v of values) {
    const n = (live.get(v) ?? 0) - 1;
    if (n <= 0) live.delete(v);
    else live.set(v, n);
  }
}

/** Text with every live secret value (and every line of a live key) replaced. */
export function scrub(text: string): string {
  let out = text;
  for (const v of live.keys()) {
    out = out.split(v).join(REDACTED);
    // a PEM key may be quoted line by line
    if (v.includes('\n')) for (const line of v.split('\n')) if (line.length >= 16 && !line.startsWith('-----')) out = out.split(line).join(REDACTED);
  }
  return out;
}

/** A value safe for a log, event or run record: secret-named keys redacted, secret values scrubbed. */
export function safe<T>(value: T): T {
  const redacted = redactSecrets(value);
  return (typeof redacted === 'string' ? scrub(redacted) : JSON.parse(scrub(JSON.stringify(redacted ?? null)))) as T;
}

/** Where the driver's warnings and errors go (null: nowhere). */
export function setDriverLogSink(next: DriverLogSink | null): void {
  sink = next;
  configureDriverLog();
}

export function configureDriverLog(): void {
  if (configured) return;
  configured = true;
  const emit = (level: 'error' | 'warn' | 'info') => (message: string) => sink?.(level, scrub(String(message)));
  snowflake.configure({
    logLevel: 'WARN',
    additionalLogToConsole: false,
    customLogger: { error: emit('error'), warn: emit('warn'), info: emit('info'), debug: () => undefined, trace: () => undefined },
  });
}
