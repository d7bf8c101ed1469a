// The SQL console: one statement a person typed, against the warehouse of the active profile. The
// warehouse reader runs it as one read-only SELECT (or its plan), streamed until a cap, on a reader
// that is sealed and memory-bounded; this adds what holds for every warehouse: the caps themselves,
// at most two console queries at a time, and a time limit that says so in words.

import type { WarehouseReader } from '../../warehouse/reader.ts';
import type { SqlResult } from '../protocol.ts';
import { ApiError } from '../errors.ts';
import { SQL_BYTE_CAP, SQL_MAX_CONCURRENT, SQL_ROW_CAP, SQL_TIME_LIMIT_MS } from './console-limits.ts';

class TimeLimit extends Error {}

export class SqlConsole {
  private running = 0;

  constructor(private readonly timeLimitMs = SQL_TIME_LIMIT_MS) {}

  async query(warehouse: WarehouseReader, req: { sql: string; limit?: number; explain?: boolean }): Promise<SqlResult> {
    if (this.running >= SQL_MAX_CONCURRENT) {
      throw new ApiError('conflict', `${SQL_MAX_CONCURRENT} console queries are already running.`, { hint: 'Wait for one of them to finish.' });
    }
    this.running++;
    const limit = Math.min(req.limit ?? SQL_ROW_CAP, SQL_ROW_CAP);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeLimit()), this.timeLimitMs);
    const started = performance.now();
    try {
      const r = await warehouse.userQuery(req.sql, { maxRows: limit, maxBytes: SQL_BYTE_CAP, signal: controller.signal, ...(req.explain ? { explain: true } : {}) });
      return { ...r, limit, byteCap: SQL_BYTE_CAP, ms: Math.round(performance.now() - started) };
    } catch (err) {
      if (err instanceof TimeLimit) {
        throw new ApiError('sql_error', `The query ran longer than the console's limit of ${this.timeLimitMs / 1000} seconds and was stopped.`, { hint: 'Narrow it with a WHERE clause or a LIMIT, or aggregate first.' });
      }
      throw err;
    } finally {
      clearTimeout(timer);
      this.running--;
    }
  }
}
