import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadReferenceTables } from '../contract-loader/reference.ts';
import { ENTITY_ORDER } from '../contract-loader/load.ts';
import type { Contract, ContractSet, QuarantineReason } from '../contract-loader/types.ts';
import { openDuckDB, queryNumber, queryRows } from '../duckdb/connection.ts';
import { ident, literal } from '../duckdb/sql.ts';
import { checkHeader, InputFileError } from '../ingest/inspect.ts';
import { parseRawManifest, type RawManifest } from '../ingest/manifest.ts';
import { zones, type Lake } from '../lake/types.ts';
import { commit, curatedManifests, recoverStaging, stageManifest } from './commit.ts';
import { curatedColumnsSql, EXTRA_COLUMNS, lookupsByDataset, rawScanSql, validateSql, type FkTarget, type RawFile } from './sql.ts';
import type { CleanseEngine, CleanseRequest, CuratedManifest } from './types.ts';

type DatasetManifest = CuratedManifest['datasets'][string];

// A curated partition holds tens of thousands of rows, less than DuckDB's default row group
// (122,880): each file was then encoded whole at the end of the write. Smaller groups are written
// as they fill, and load reads them in parallel; at 1M claims cleanse 0.3 s and load 0.3 s faster.
const CURATED_ROW_GROUP_ROWS = 32_768;

export interface DuckDBCleanseOptions {
  threads?: number;
  memoryLimit?: string;
  /** where DuckDB may spill */
  tempDirectory: string;
}

/** Translates DuckDB's CSV reader errors into a message naming the file, line and fix. */
function csvError(err: unknown, files: RawFile[], dataset: string): Error {
  const msg = (err as Error).message ?? String(err);
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const file = files.find((f) => msg.includes(f.uri))?.key ?? (files.length === 1 ? files[0]!.key : `${dataset} raw files`);
  const at = line ? Number(line) : null;
  if (/unterminated quote/i.test(msg)) {
    return new InputFileError(file, at, 'a quoted field is never closed (unterminated quote)', 'Fix the quoting in the source extract and land it again as a new batch (or with --force); the raw zone itself is never edited.');
  }
  if (/Expected Number of Columns|TOO MANY COLUMNS|too many columns/i.test(msg)) {
    return new InputFileError(file, at, 'a row has far more fields than the contract (wrong delimiter or broken quoting?)', 'Check the delimiter and quoting of the extract.');
  }
  if (/CSV Error|Invalid Input Error/.test(msg)) {
    return new InputFileError(file, at, `cannot be parsed as CSV (${msg.split('\n')[0]})`, 'Check the file is the CSV the contract describes.');
  }
  return err as Error;
}

/** Cleanse stage on DuckDB: the local twin of Glue job 1, generated from the contracts. */
export class DuckDBCleanseEngine implements CleanseEngine {
  readonly name = 'duckdb';

  constructor(
    private readonly contracts: ContractSet,
    private readonly options: DuckDBCleanseOptions,
  ) {}

  async cleanse(req: CleanseRequest): Promise<CuratedManifest> {
    const { lake, batch } = req;
    const recovered = await recoverStaging(lake);
    if (recovered.rolledForward.length || recovered.discarded.length) req.log?.('recovered interrupted cleanse transactions', recovered);
    const rawText = await lake.getText(zones.rawManifest(batch));
    if (!rawText) throw new Error(`Batch ${batch} has not been ingested: no ${zones.rawManifest(batch)} in ${lake.root}. Run the ingest stage first.`);
    const raw = parseRawManifest(rawText, zones.rawManifest(batch));
    const prior = (await curatedManifests(lake)).filter((m) => m.batch !== batch);
    const txn = `b${batch}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36).padStart(2, '0')}`;
    const stagingKey = (rel: string) => `${zones.staging(txn)}${rel}`;
    await mkdir(this.options.tempDirectory, { recursive: true });
    const db = await openDuckDB({ threads: this.options.threads, memoryLimit: this.options.memoryLimit ?? '1536MB', tempDirectory: this.options.tempDirectory });
    const onAbort = () => db.conn.interrupt();
    req.signal?.addEventListener('abort', onAbort);
    const manifest: CuratedManifest = { batch, txn, raw_landed_at: raw.landed_at, committed_at: '', engine: this.name, datasets: {} };
    try {
      await loadReferenceTables(db.conn, this.contracts);
      for (const name of ENTITY_ORDER) {
        req.signal?.throwIfAborted();
        const c = this.contracts.byName.get(name)!;
        manifest.datasets[name] = await this.cleanseDataset(db.conn, c, raw, prior, manifest, lake, txn, req);
      }
      req.signal?.throwIfAborted();
      manifest.committed_at = new Date().toISOString();
      await lake.removePrefix(stagingKey('work/'));
      await stageManifest(lake, txn, manifest);
    } catch (err) {
      await lake.removePrefix(zones.staging(txn)).catch(() => undefined);
      if (req.signal?.aborted) throw new Error('Cleanse cancelled; nothing was committed.', { cause: err });
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      db.close();
      await rm(this.options.tempDirectory, { recursive: true, force: true });
    }
    return commit(lake, txn);
  }

  private async cleanseDataset(
    conn: DuckDBConnection,
    c: Contract,
    raw: RawManifest,
    prior: CuratedManifest[],
    current: CuratedManifest,
    lake: Lake,
    txn: string,
    req: CleanseRequest,
  ): Promise<DatasetManifest> {
    const batch = raw.batch;
    const progress = (step: string, fraction: number) => req.onProgress?.({ dataset: c.dataset, step, fraction });
    const entry = raw.datasets[c.dataset];
    if (!entry || entry.files.length === 0) throw new Error(`Batch ${batch} landed no ${c.dataset} files (see ${zones.rawManifest(batch)}); ingest the batch again.`);
    const files: RawFile[] = entry.files.map((f, index) => ({ index, key: f.key, uri: lake.uri(f.key) }));
    for (const f of files) {
      const head = await lake.readHead(f.key, 64 * 1024);
      if (!head.trim()) throw new InputFileError(f.key, null, 'file is empty (expected at least a header line)', 'Land the batch again from a complete extract.');
      checkHeader(head.split('\n', 1)[0]!.replace(/\r$/, '').replace(/^\uFEFF/, ''), c, f.key);
    }
    const staging = (rel: string) => lake.uri(`${zones.staging(txn)}${rel}`);
    // one work file per raw file: DuckDB keeps a single file's scan order when it writes it, but
    // not the order of several files scanned together (a batch of a CRLF and an LF file came out
    // second file first), and a row's place in its work file is its line
    const workFiles = files.map((f) => staging(`work/${c.dataset}_${f.index}.parquet`));
    const work = literalArray(workFiles);
    await mkdir(dirname(workFiles[0]!), { recursive: true });

    // Foreign-key targets: reference code sets, and curated entities of earlier batches plus this one.
    const lookups = lookupsByDataset(c);
    const fkTargets: FkTarget[] = [];
    for (const fk of c.foreign_keys ?? []) {
      const target = this.contracts.byName.get(fk.references.dataset)!;
      if (target.kind === 'reference') {
        fkTargets.push({ column: fk.column, table: ident(target.dataset), key: fk.references.column, dataset: target.dataset });
        continue;
      }
      const table = `fk_${target.dataset}`;
      if (!fkTargets.some((f) => f.table === table)) {
        const parquet = [
          ...prior.flatMap((m) => m.datasets[target.dataset]?.files ?? []).map((k) => lake.uri(k)),
          ...(current.datasets[target.dataset]?.files ?? []).map((k) => lake.uri(`${zones.staging(txn)}${k}`)),
        ];
        const key = ident(fk.references.column);
        const extra = (lookups.get(target.dataset)?.columns ?? []).map((l) => `any_value(${ident(l)}) AS ${ident(l)}`);
        await conn.run(
          parquet.length
            ? `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT ${key}${extra.length ? `, ${extra.join(', ')}` : ''} FROM read_parquet(${literalArray(parquet)}, hive_partitioning = false) GROUP BY ${key}`
            : `CREATE OR REPLACE TEMP TABLE ${table} AS SELECT NULL::VARCHAR AS ${key}${(lookups.get(target.dataset)?.columns ?? []).map((l) => `, NULL AS ${ident(l)}`).join('')} WHERE false`,
        );
      }
      fkTargets.push({ column: fk.column, table, key: fk.references.column, dataset: target.dataset });
    }

    // Pass 1: validate, clean and type every row into the work files, in line order.
    progress('validating rows', 0.1);
    for (const [i, f] of files.entries()) {
      try {
        await conn.run(`COPY (${validateSql({ contract: c, source: rawScanSql(c, [f]), fkTargets })}) TO ${literal(workFiles[i]!)} (FORMAT parquet, COMPRESSION snappy)`);
      } catch (err) {
        throw csvError(err, [f], c.dataset);
      }
    }
    req.signal?.throwIfAborted();

    // A row's position in the work file is its position in the batch; with each file's row count
    // from the raw manifest, that gives its file and line.
    const starts = files.map((_, i) => entry.files.slice(0, i).reduce((sum, f) => sum + f.rows, 0));
    const perFile = await queryRows<{ f: number; n: number }>(conn, `SELECT _file_index AS f, count(*)::BIGINT AS n FROM read_parquet(${work}) GROUP BY 1 ORDER BY 1`);
    for (const [i, f] of entry.files.entries()) {
      const n = Number(perFile.find((p) => Number(p.f) === i)?.n ?? 0);
      if (n !== f.rows) {
        throw new InputFileError(f.key, null, `the raw manifest records ${f.rows} rows but the CSV reader found ${n}; a quoted field probably contains a line break`, 'Remove line breaks inside fields from the extract and land it again.');
      }
    }
    const lineOf = (pos: string, fileIndex: string) => `(${pos} - ${literalArray(starts.map(String), 'BIGINT')}[${fileIndex} + 1] + 2)`;
    const sourceFileOf = (fileIndex: string) => `${literalArray(files.map((f) => f.key))}[${fileIndex} + 1]`;
    const startOf = (fileIndex: string) => `${literalArray(starts.map(String), 'BIGINT')}[${fileIndex} + 1]`;
    const workRel = `(SELECT ${startOf('_file_index')} + file_row_number AS _pos, * FROM read_parquet(${work}, file_row_number = true))`;

    // Exact duplicates (same raw fields) keep their first occurrence, which may sit in another file.
    progress('resolving duplicates', 0.5);
    const typedCols = c.columns.map((col) => ident(col.name)).join(', ');
    await conn.run(`CREATE OR REPLACE TEMP TABLE dup_rows AS
      SELECT _pos, kept_pos, kept_file FROM (
        SELECT _pos, first_value(_pos) OVER g AS kept_pos, first_value(_file_index) OVER g AS kept_file, row_number() OVER g AS rn
        FROM ${workRel}
        WHERE _row_hash IN (SELECT _row_hash FROM read_parquet(${work}) GROUP BY 1 HAVING count(*) > 1)
        WINDOW g AS (PARTITION BY _row_hash, ${typedCols}, _original ORDER BY _pos))
      WHERE rn > 1`);
    // A key repeated among valid rows (or already loaded in an earlier batch, for versioned data) is
    // rejected after its first occurrence. A row both repeated and already loaded is reported once,
    // as already loaded (every occurrence of such a key is).
    const pk = c.primary_key.map(ident).join(', ');
    const priorFiles = prior.flatMap((m) => m.datasets[c.dataset]?.files ?? []).map((k) => lake.uri(k));
    const loaded = c.current_state && priorFiles.length
      ? `SELECT v._pos FROM valid v WHERE (${pk}) IN (SELECT (${pk}) FROM read_parquet(${literalArray(priorFiles)}, hive_partitioning = false))`
      : 'SELECT NULL::BIGINT AS _pos WHERE false';
    await conn.run(`CREATE OR REPLACE TEMP TABLE dup_keys AS
      WITH valid AS (SELECT _pos, _file_index, hash(${pk}) AS _kh, ${pk} FROM ${workRel} WHERE _check IS NULL AND _pos NOT IN (SELECT _pos FROM dup_rows)),
      loaded AS (${loaded})
      SELECT _pos, NULL::BIGINT AS kept_pos, NULL::INTEGER AS kept_file FROM loaded
      UNION ALL
      SELECT _pos, kept_pos, kept_file FROM (
        SELECT _pos, first_value(_pos) OVER g AS kept_pos, first_value(_file_index) OVER g AS kept_file, row_number() OVER g AS rn
        FROM valid WHERE _kh IN (SELECT _kh FROM valid GROUP BY 1 HAVING count(*) > 1)
        WINDOW g AS (PARTITION BY ${pk} ORDER BY _pos))
      WHERE rn > 1 AND _pos NOT IN (SELECT _pos FROM loaded)`);
    req.signal?.throwIfAborted();

    // Curated rows with derived columns, partitioned as the contract says.
    progress('writing curated parquet', 0.6);
    const curatedPrefix = zones.curated(c.dataset);
    const curatedDir = staging(curatedPrefix);
    await mkdir(curatedDir, { recursive: true });
    const joins: string[] = [];
    const aliasOf = new Map<string, string>();
    for (const [dataset, l] of lookups) {
      const alias = `lk_${dataset}`;
      aliasOf.set(dataset, alias);
      const key = (c.foreign_keys ?? []).find((f) => f.column === l.key)!.references.column;
      joins.push(`LEFT JOIN (SELECT ${ident(key)} AS __key, ${l.columns.map(ident).join(', ')} FROM fk_${dataset}) ${alias} ON ${alias}.__key = w.${ident(l.key)}`);
    }
    const columns = curatedColumnsSql(c, (d) => aliasOf.get(d)!);
    const parts = c.partitioning ?? [];
    const stem = `b${batch}_${txn.split('-')[1]}`;
    const curatedRows = await queryNumber(conn, `COPY (
        SELECT ${columns.join(', ')}, ${batch}::INTEGER AS _batch_id, ${sourceFileOf('w._file_index')} AS _source_file, ${lineOf('w._pos', 'w._file_index')}::BIGINT AS _source_line
        FROM ${workRel} w ${joins.join(' ')}
        WHERE w._check IS NULL AND w._pos NOT IN (SELECT _pos FROM dup_rows) AND w._pos NOT IN (SELECT _pos FROM dup_keys)
      ) TO ${literal(parts.length ? curatedDir : `${curatedDir}/${stem}_0.parquet`)}
      (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${CURATED_ROW_GROUP_ROWS}${parts.length ? `, PARTITION_BY (${parts.map(ident).join(', ')}), FILENAME_PATTERN ${literal(`${stem}_{i}`)}, OVERWRITE_OR_IGNORE` : ''})`);
    req.signal?.throwIfAborted();

    // Quarantine: rejected rows with reason and original fields; removed duplicates listed beside them.
    progress('writing quarantine', 0.85);
    const qPrefix = zones.quarantine(c.dataset, batch);
    await mkdir(staging(qPrefix), { recursive: true });
    const quarantineKey = `${qPrefix}quarantine_${txn.split('-')[1]}.parquet`;
    const duplicatesKey = `${qPrefix}duplicates_${txn.split('-')[1]}.parquet`;
    // Valid rows rejected for a repeated key kept no copy of their raw fields: read those lines again.
    await conn.run(`CREATE OR REPLACE TEMP TABLE dup_key_originals AS SELECT NULL::BIGINT AS _pos, NULL::VARCHAR AS _original WHERE false`);
    if ((await queryNumber(conn, 'SELECT count(*) FROM dup_keys')) > 0) {
      const rawNames = [...c.columns.map((col) => col.name), ...EXTRA_COLUMNS];
      // written file by file as the work files are, so a row's place in its file is its line again
      for (const [i, f] of files.entries()) {
        const originals = staging(`work/${c.dataset}_${f.index}_originals.parquet`);
        await conn.run(`COPY (SELECT json_object(${rawNames.map((n) => `${literal(n)}, ${ident(n)}`).join(', ')})::VARCHAR AS _original FROM (${rawScanSql(c, [f])}))
          TO ${literal(originals)} (FORMAT parquet, COMPRESSION snappy)`);
        await conn.run(`INSERT INTO dup_key_originals
          SELECT ${starts[i]} + file_row_number AS _pos, _original FROM read_parquet(${literal(originals)}, file_row_number = true)
          WHERE ${starts[i]} + file_row_number IN (SELECT _pos FROM dup_keys)`);
      }
    }
    const quarantinedRows = await queryNumber(conn, `COPY (
        SELECT ${batch}::INTEGER AS batch_id, ${literal(c.dataset)} AS dataset, ${sourceFileOf('w._file_index')} AS source_file,
          ${lineOf('w._pos', 'w._file_index')}::BIGINT AS line_number,
          coalesce(w._reason, 'DUPLICATE_KEY') AS reason,
          coalesce(w._reason_detail, 'key (' || concat_ws(', ', ${c.primary_key.map((k) => `w.${ident(k)}::VARCHAR`).join(', ')}) || ') '
            || CASE WHEN k.kept_pos IS NULL THEN 'was already loaded by an earlier batch'
                 ELSE 'already appears on line ' || ${lineOf('k.kept_pos', 'k.kept_file')} || CASE WHEN k.kept_file <> w._file_index THEN ' of ' || ${sourceFileOf('k.kept_file')} ELSE '' END END) AS reason_detail,
          coalesce(w._original, o._original) AS original_values, now()::TIMESTAMP AS quarantined_at
        FROM ${workRel} w
          LEFT JOIN dup_keys k ON k._pos = w._pos
          LEFT JOIN dup_key_originals o ON o._pos = w._pos
        WHERE (w._check IS NOT NULL OR k._pos IS NOT NULL) AND w._pos NOT IN (SELECT _pos FROM dup_rows)
        ORDER BY w._pos
      ) TO ${literal(staging(quarantineKey))} (FORMAT parquet, COMPRESSION zstd)`);
    const duplicatesRemoved = await queryNumber(conn, `COPY (
        SELECT ${batch}::INTEGER AS batch_id, ${literal(c.dataset)} AS dataset, ${sourceFileOf('w._file_index')} AS source_file,
          ${lineOf('d._pos', 'w._file_index')}::BIGINT AS line_number, ${lineOf('d.kept_pos', 'd.kept_file')}::BIGINT AS duplicate_of_line
        FROM dup_rows d JOIN ${workRel} w ON w._pos = d._pos ORDER BY d._pos
      ) TO ${literal(staging(duplicatesKey))} (FORMAT parquet, COMPRESSION zstd)`);

    const rawRows = await queryNumber(conn, `SELECT count(*) FROM read_parquet(${work})`);
    const byReason = await queryRows<{ reason: QuarantineReason; n: number }>(
      conn,
      `SELECT reason, count(*)::BIGINT AS n FROM read_parquet(${literal(staging(quarantineKey))}) GROUP BY reason ORDER BY reason`,
    );
    const curatedFiles = (await lake.list(`${zones.staging(txn)}${curatedPrefix}`)).map((o) => o.key.slice(zones.staging(txn).length));
    progress('done', 1);
    return {
      raw_rows: rawRows,
      curated_rows: curatedRows,
      quarantined_rows: quarantinedRows,
      duplicates_removed: duplicatesRemoved,
      quarantine_by_reason: Object.fromEntries(byReason.map((r) => [r.reason, Number(r.n)])),
      files: curatedFiles,
      quarantine_files: [quarantineKey],
      duplicate_files: [duplicatesKey],
    };
  }
}

function literalArray(values: string[], type?: string): string {
  return `[${values.map((v) => (type ? `${v}::${type}` : literal(v))).join(', ')}]`;
}
