// Deterministic randomness in SQL: every draw is a hash of (seed, stream, row key), so a value
// depends only on what it describes, never on thread scheduling or row order.

export class SqlRandom {
  /** The seed enters every draw as a 64-bit XOR mask (splitmix64 of the seed). */
  readonly seedMask: string;

  constructor(readonly seed: number) {
    let z = (BigInt(seed) + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    this.seedMask = String(z ^ (z >> 31n));
  }

  /**
   * A 64-bit hash for one stream of draws. DuckDB's multi-argument hash XORs the hashes of its
   * arguments, so hash(seed, s1, k) and hash(seed, s2, k) would differ by a constant and their
   * bits would be correlated. Folding stream and keys into one integer first gives independent
   * streams; the seed is then XORed in as a mask.
   */
  hash(stream: number, ...keys: string[]): string {
    if (!Number.isInteger(stream) || stream < 0 || stream >= STREAMS) throw new Error(`random stream ${stream} out of range`);
    const key = keys.length === 1 ? `(${keys[0]})::BIGINT` : `((${keys[0]})::BIGINT * 4294967296 + (${keys[1]})::BIGINT)`;
    if (keys.length > 2) throw new Error('at most two key parts');
    return `xor(hash(${key} * ${STREAMS} + ${stream}), ${this.seedMask}::UBIGINT)`;
  }

  /** Uniform in [0, 1). */
  uniform(stream: number, ...keys: string[]): string {
    return `((${this.hash(stream, ...keys)} >> 11)::DOUBLE / 9007199254740992.0)`;
  }
}

/** Number of distinct random streams per key. */
const STREAMS = 16384;

/** Two independent uniforms in [0, 1) from one 64-bit hash: its low and high 32 bits. */
export const low32 = (h: string) => `((${h} & 4294967295)::DOUBLE / 4294967296.0)`;
export const high32 = (h: string) => `((${h} >> 32)::DOUBLE / 4294967296.0)`;

/** Standard normal from two uniforms (Box-Muller): exact, but a sqrt, a log and a cosine per draw. */
export const normal = (u1: string, u2: string) => `(sqrt(-2.0 * ln(1.0 - ${u1})) * cos(6.283185307179586 * ${u2}))`;

/** Levels of the standard normal quantile table: tails reach about ±3.9 sigma. */
const NORMAL_TABLE_SIZE = 16384;

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** SQL literal of the normal quantile table: value i is the quantile at (i + 0.5) / size. */
export function normalTableSql(): string {
  return `[${Array.from({ length: NORMAL_TABLE_SIZE }, (_, i) => inverseNormal((i + 0.5) / NORMAL_TABLE_SIZE).toPrecision(12)).join(', ')}]::DOUBLE[]`;
}

/**
 * Standard normal from one uniform, looked up in the quantile table (`table` is the lookup
 * column holding normalTableSql()); much cheaper than Box-Muller for row-volume draws.
 */
export const normalFromTable = (u: string, table = 'z_table') => `${table}[floor(${u} * ${NORMAL_TABLE_SIZE})::INTEGER + 1]`;

/** Element of a 1-based SQL list chosen by a uniform. */
export const pick = (list: string, u: string) => `${list}[floor(${u} * len(${list}))::INTEGER + 1]`;

/** Element of group `group` (1-based SQL expression) of a flattened list of lists (see flattened()). */
export const pickIn = (name: string, group: string, u: string) =>
  `${name}_flat[${name}_off[${group}] + floor(${u} * ${name}_len[${group}])::INTEGER + 1]`;
