import type { ErrorRecord } from './types.ts';

const MAX_CAUSES = 10;

/** Anything thrown, as an Error: stage code may throw strings or plain objects. */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'object' && thrown !== null && 'message' in thrown && typeof thrown.message === 'string') {
    return new Error(thrown.message);
  }
  return new Error(typeof thrown === 'string' ? thrown : `Non-error value thrown: ${JSON.stringify(thrown) ?? String(thrown)}`);
}

const describe = (e: unknown): string => (e instanceof Error ? (e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message) : String(e));

/** The error as recorded on a stage: its message, the messages of its cause chain, the first hint, the stack. */
export function toErrorRecord(thrown: unknown): ErrorRecord {
  const err = asError(thrown);
  const record: ErrorRecord = { message: err.message };
  const causes: string[] = [];
  let hint = hintOf(err);
  let cause: unknown = err.cause;
  while (cause !== undefined && cause !== null && causes.length < MAX_CAUSES) {
    causes.push(describe(cause));
    hint ??= hintOf(cause);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (causes.length) record.cause = causes;
  if (hint) record.hint = hint;
  if (err.stack) record.stack = err.stack;
  return record;
}

function hintOf(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'hint' in e && typeof e.hint === 'string' && e.hint) return e.hint;
  return undefined;
}
