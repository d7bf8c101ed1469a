// Secrets never reach run records or logs: every value written there goes through redactSecrets.

/**
 * Key names whose values are secrets. Wider than password/secret/token/private_key/passphrase so
 * that camelCase SDK options (snowflake-sdk's privateKey, privateKeyPass) and API keys are caught.
 */
const SECRET_KEY = /password|passwd|secret|token|private_?key|passphrase|api_?key|credential|authorization/i;
export const REDACTED = '[redacted]';

// user:password@ in connection strings such as snowflake://user:pw@account or https://u:p@host.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]+:)[^@/?#\s]+@/gi;

/** A deep copy of value with secret-named keys and URL passwords replaced; safe for JSON. */
export function redactSecrets<T>(value: T): T {
  return copy(value, new WeakSet()) as T;
}

function copy(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return value.replace(URL_USERINFO, `$1${REDACTED}@`);
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => copy(v, seen));
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Error) return { name: value.name, message: copy(value.message, seen) };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? REDACTED : copy(v, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}
