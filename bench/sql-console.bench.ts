// The SQL console's worst cases, each in a fresh process so its peak RSS is its own: a billion-row
// result (streamed, stopped at the row cap), a 40 MB text (cut at the byte cap), many wide rows
// (byte cap), and an aggregation larger than the reader's memory limit (spills under its temp cap).
// `npm run bench:sql-console` (BENCH_RUNS to change the number of runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, machine, median, ROOT, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CASES: Record<string, string> = {
  'select * from range(1000000000)': 'SELECT * FROM range(1000000000)',
  '40 MB text in one value': "SELECT repeat('x', 40 * 1024 * 1024) AS t",
  '1,000,000 rows of 4 KB text': "SELECT range AS i, repeat('y', 4000) AS t FROM range(1000000)",
  'group by 20M distinct keys (spills past the memory limit)': 'SELECT h, count(*) AS n FROM (SELECT md5(range::VARCHAR) AS h FROM range(20000000)) GROUP BY h ORDER BY n DESC, h LIMIT 10',
};

if (process.argv[2] === '--case') {
  // child: one query through the real service, then report what it cost
  const { openDuckDB } = await import('../pipeline/duckdb/connection.ts');
  const { createClaimsService } = await import('../pipeline/api/service.ts');
  const ws = process.argv[3]!;
  const db = await openDuckDB({ path: join(ws, 'warehouse.duckdb') });
  await db.conn.run('CREATE SCHEMA IF NOT EXISTS raw');
  db.close();
  const service = createClaimsService({ workspace: ws, log: () => {} });
  const before = process.resourceUsage().maxRSS;
  const started = performance.now();
  const r = await service.call('sql.query', { sql: CASES[process.argv[4]!]! });
  const ms = performance.now() - started;
  const bytes = Buffer.byteLength(JSON.stringify(r));
  await service.close();
  console.log(JSON.stringify({ ok: r.ok, cutBy: r.ok ? r.result.cutBy : r.error.message, rows: r.ok ? r.result.rows.length : 0, bytes, ms, peak_rss_mb: process.resourceUsage().maxRSS / 1024, rss_before_mb: before / 1024 }));
  process.exit(0);
}

const results: Record<string, { ms: number[]; peak: number[]; bytes: number; rows: number; cutBy: unknown }> = {};
for (const name of Object.keys(CASES)) {
  for (let i = 0; i < RUNS; i++) {
    const ws = mkdtempSync(join(tmpdir(), 'claims-sqlbench-'));
    try {
      const out = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'sql-console.bench.ts'), '--case', ws, name], { cwd: ROOT, encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`${name}: ${out.stderr.slice(-2000)}`);
      const r = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { ms: number; peak_rss_mb: number; bytes: number; rows: number; cutBy: unknown };
      const entry = (results[name] ??= { ms: [], peak: [], bytes: r.bytes, rows: r.rows, cutBy: r.cutBy });
      entry.ms.push(r.ms);
      entry.peak.push(r.peak_rss_mb);
      console.log(name.padEnd(44), `${fmt(r.ms, 0)} ms`, `${fmt(r.peak_rss_mb, 0)} MB peak`, `${r.rows} rows`, `${fmt(r.bytes / 2 ** 20, 1)} MB reply`, String(r.cutBy));
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  }
}
const m = machine();
const file = await saveResult('sql-console', { machine: m, runs: RUNS, results });
const rows = Object.entries(results).map(([name, r]) => `| ${name} | ${fmt(median(r.ms), 0)} | ${fmt(median(r.peak), 0)} | ${fmt(r.rows, 0)} | ${fmt(r.bytes / 2 ** 20, 1)} | ${String(r.cutBy)} |`);
await writeDocSection(
  'sql-console',
  `### SQL console worst cases (\`npm run bench:sql-console\`)

Each query through the real service in a fresh process, median of ${RUNS} runs on ${m.cpu} (${m.cores} cores, ${m.memory_gb} GB), ${new Date().toISOString().slice(0, 10)}.
Peak RSS is the whole server process (Node, DuckDB and the reply). Raw results: \`${file.slice(ROOT.length + 1)}\`.
Before the caps (issue 9), \`select * from range(1000000000)\` took the server from 0.45 GB to 8.3 GB for a 1 MB reply.

| query | ms | peak RSS MB | rows returned | reply MB | stopped by |
|---|---:|---:|---:|---:|---|
${rows.join('\n')}`,
);
