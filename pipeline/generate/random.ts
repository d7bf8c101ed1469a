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

/** Standard normal from two uniforms (Box-Muller). */
export const normal = (u1: string, u2: string) => `(sqrt(-2.0 * ln(1.0 - ${u1})) * cos(6.283185307179586 * ${u2}))`;

/** Element of a 1-based SQL list chosen by a uniform. */
export const pick = (list: string, u: string) => `${list}[floor(${u} * len(${list}))::INTEGER + 1]`;

/** Element of group `group` (1-based SQL expression) of a flattened list of lists (see flattened()). */
export const pickIn = (name: string, group: string, u: string) =>
  `${name}_flat[${name}_off[${group}] + floor(${u} * ${name}_len[${group}])::INTEGER + 1]`;
