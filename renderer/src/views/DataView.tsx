// Data: every dataset (generated files, lake zones, warehouse tables) in one tree; the selected one
// in the grid, paged from DuckDB; a column's profile beside it.
import { useCallback, useMemo, useState } from 'react';
import type { ColumnInfo, DatasetEntry, DatasetRef, DatasetSource, Filter, Json } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { ColumnProfilePanel } from '../components/ColumnProfilePanel.tsx';
import { DataGrid, type PageFetcher } from '../components/DataGrid.tsx';
import { RowPanel } from '../components/RowPanel.tsx';
import { Icon } from '../components/icons.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { fmtCompact } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useRouter } from '../state/router.ts';

/** The tree's groups, named after where the active profile keeps them: a lake folder and DuckDB, or S3 and Snowflake. */
function groups(kind: 'local' | 'aws'): { source: DatasetSource; title: string }[] {
  const lake = kind === 'aws' ? 'S3 lake' : 'Lake';
  return [
    { source: 'generated', title: 'Generated files' },
    { source: 'raw', title: `${lake} · raw` },
    { source: 'curated', title: `${lake} · curated` },
    { source: 'quarantine', title: `${lake} · quarantine` },
    { source: 'duplicates', title: `${lake} · duplicates removed` },
    { source: 'warehouse', title: kind === 'aws' ? 'Snowflake' : 'Warehouse' },
  ];
}

function refFromParams(p: { source?: string | undefined; name?: string | undefined; batch?: string | undefined }): DatasetRef | null {
  if (!p.source || !p.name) return null;
  return { source: p.source as DatasetSource, name: p.name, ...(p.batch ? { batch: Number(p.batch) } : {}) };
}

export function refParams(ref: DatasetRef, filters?: Filter[]): Record<string, string> {
  return { source: ref.source, name: ref.name, ...(ref.batch ? { batch: String(ref.batch) } : {}), ...(filters?.length ? { filters: JSON.stringify(filters) } : {}) };
}

const sameRef = (a: DatasetRef | null, b: DatasetRef) => !!a && a.source === b.source && a.name === b.name && (a.batch ?? 0) === (b.batch ?? 0);

export function DataView() {
  const route = useRouter((s) => s.route);
  const go = useRouter((s) => s.go);
  const revision = useApp((s) => s.revision);
  const kind = useApp((s) => s.info?.activeProfileKind ?? 'local');
  const sourceGroups = groups(kind);
  const list = useQuery(() => call('datasets.list', {}), [revision.datasets, revision.warehouse]);
  const { source, name, batch } = route.params;
  const ref = useMemo(() => refFromParams({ source, name, batch }), [source, name, batch]);
  const initialFilters = useMemo<Filter[]>(() => {
    try {
      return route.params.filters ? (JSON.parse(route.params.filters) as Filter[]) : [];
    } catch {
      return [];
    }
  }, [route.params.filters]);
  const [filters, setFilters] = useState<Filter[]>(initialFilters);
  const [column, setColumn] = useState<string | null>(null);
  const [openRow, setOpenRow] = useState<{ index: number; row: Json[]; columns: ColumnInfo[] } | null>(null);
  const entry = list.data?.find((d) => sameRef(ref, d.ref));
  const key = ref ? JSON.stringify(ref) + route.params.filters : '';

  const fetchPage = useCallback<PageFetcher>(
    (offset, limit, sort, f) => call('datasets.page', { ref: ref!, offset, limit, ...(sort.length ? { sort } : {}), ...(f.length ? { filters: f } : {}) }),
    [ref],
  );

  const select = (d: DatasetEntry) => {
    setColumn(null);
    setOpenRow(null);
    setFilters([]);
    go('data', refParams(d.ref));
  };

  const grouped = sourceGroups.map((g) => ({ ...g, items: (list.data ?? []).filter((d) => d.ref.source === g.source) }));
  return (
    <div className="view flush">
      <div className={`explorer${(column || openRow) && ref ? ' with-profile' : ''}`}>
        <nav className="tree" aria-label="Datasets">
          {list.loading && !list.data ? <Loading rows={10} /> : null}
          {list.error ? <ErrorBox error={list.error} /> : null}
          {list.data && list.data.length === 0 ? (
            <EmptyState icon="data" title="No datasets yet" action={<button className="btn primary" onClick={() => go('generate')}>Generate data</button>}>
              Generate a batch to see its files here; running the pipeline adds the lake zones and the warehouse.
            </EmptyState>
          ) : null}
          {grouped.map((g) =>
            g.items.length ? (
              <div className="tree-group" key={g.source}>
                <div className="tree-group-title">
                  <Icon name={g.source === 'warehouse' ? 'data' : 'file'} size={13} /> {g.title}
                </div>
                {g.items.map((d) => (
                  <button key={JSON.stringify(d.ref)} className={`tree-item${sameRef(ref, d.ref) ? ' active' : ''}`} onClick={() => select(d)} title={d.description}>
                    <span style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{d.label}</span>
                    <span className="count">{d.rows !== null ? fmtCompact(d.rows) : d.files !== null ? `${d.files} file${d.files === 1 ? '' : 's'}` : ''}</span>
                  </button>
                ))}
              </div>
            ) : null,
          )}
        </nav>
        <section className="explorer-center" aria-label="Dataset">
          {ref ? (
            <>
              <div className="explorer-title">
                <span className="badge accent">{sourceGroups.find((g) => g.source === ref.source)?.title ?? ref.source}</span>
                <h2 className="mono" style={{ fontSize: 14 }} data-testid="dataset-title">
                  {entry?.label ?? ref.name}
                </h2>
                <span className="muted" style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                  {entry?.description}
                </span>
                <span className="muted hint" style={{ marginLeft: 'auto' }}>
                  Click a header for its profile · double-click a row for all its fields · ? for keys
                </span>
              </div>
              <DataGrid
                sourceKey={key}
                fetchPage={fetchPage}
                filterable
                initialFilters={initialFilters}
                selectedColumn={column}
                onColumnSelect={(c) => (setOpenRow(null), setColumn(c.name))}
                onRowOpen={(index, row, columns) => (setColumn(null), setOpenRow({ index, row, columns }))}
                onFiltersChange={setFilters}
                label={`Rows of ${entry?.label ?? ref.name}`}
              />
            </>
          ) : (
            <EmptyState icon="table" title="Pick a dataset">
              Choose a dataset on the left to browse its rows. Sorting and filters run in the warehouse (DuckDB, or Snowflake on a cloud profile), so large tables stay fast.
            </EmptyState>
          )}
        </section>
        {column && ref ? <ColumnProfilePanel dataset={ref} column={column} filters={filters} onClose={() => setColumn(null)} /> : null}
        {openRow && ref && !column ? <RowPanel {...openRow} onClose={() => setOpenRow(null)} /> : null}
      </div>
    </div>
  );
}
