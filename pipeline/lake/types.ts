/**
 * The lake: raw, processed and quarantine zones plus manifests, addressed by keys such as
 * `raw/csv/claims/batch=1/part-00000.csv`. A folder locally, a bucket prefix in the cloud.
 */
export interface LakeObject {
  key: string;
  size: number;
}

export interface PutFileOptions {
  /**
   * The SHA-256 (hex) of the whole file when the caller already computed it (ingest does, for
   * the manifest); a remote lake keeps it in the object's metadata as the object's identity.
   */
  sha256?: string;
}

export interface Lake {
  /** Human-readable location of the lake (a path or s3:// URI). */
  readonly root: string;
  exists(key: string): Promise<boolean>;
  /** Copies a local file into the lake under `key`. */
  putFile(key: string, localPath: string, opts?: PutFileOptions): Promise<void>;
  putText(key: string, text: string): Promise<void>;
  getText(key: string): Promise<string | null>;
  /** The first `maxBytes` bytes of an object as text (for reading a header line). */
  readHead(key: string, maxBytes: number): Promise<string>;
  list(prefix: string): Promise<LakeObject[]>;
  /** Removes every object under `prefix`. */
  removePrefix(prefix: string): Promise<void>;
  /** Moves an object within the lake (a rename where the store supports one). */
  move(from: string, to: string): Promise<void>;
  /** Location of `key` as a query engine reads it (a local path, or an s3:// URI). */
  uri(key: string): string;
  /**
   * A local file with the object's bytes, for readers that need one (DuckDB over a CSV or Parquet
   * part): the file itself for a folder lake, a cached download for a remote one.
   */
  localPath(key: string): Promise<string>;
  /** The folders localPath's files live in (what a sealed reader is allowed to read). */
  localRoots(): string[];
}

/**
 * Compare-and-write on single objects, for a lock kept in the lake (a remote lake that many
 * machines share). Each call is one atomic request: a condition that does not hold answers null
 * or false, never an error.
 */
export interface ConditionalWrites {
  /** Writes `text` under `key` only if no object is there; null when one is. */
  createIfAbsent(key: string, text: string): Promise<{ etag: string } | null>;
  /** Replaces the object only if it is still version `etag`; null when it changed or is gone. */
  replaceIfMatch(key: string, text: string, etag: string): Promise<{ etag: string } | null>;
  readWithTag(key: string): Promise<{ text: string; etag: string } | null>;
  /** Deletes the object only if it is still version `etag`; false when it changed or is gone. */
  deleteIfMatch(key: string, etag: string): Promise<boolean>;
  uri(key: string): string;
}

/** The object a key names is not in the lake. */
export class LakeObjectMissingError extends Error {
  constructor(
    readonly key: string,
    readonly root: string,
  ) {
    super(`${key} is not in the lake at ${root}.`);
    this.name = 'LakeObjectMissingError';
  }
}

export const zones = {
  raw: (dataset: string, batch: number) => `raw/csv/${dataset}/batch=${batch}/`,
  curated: (dataset: string) => `processed/parquet/${dataset}/`,
  quarantine: (dataset: string, batch: number) => `quarantine/${dataset}/batch=${batch}/`,
  rawManifest: (batch: number) => `_manifests/batch=${batch}.json`,
  curatedManifest: (batch: number) => `_manifests/curated/batch=${batch}.json`,
  staging: (txn: string) => `_staging/${txn}/`,
};
