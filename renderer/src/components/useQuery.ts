// Loads data for a view and tracks loading and error; reloads when its dependencies change. The
// dependencies are compared by value (as JSON), so a changed counter or filter object reloads and
// a re-render with equal ones does not.
import { useCallback, useEffect, useEffectEvent, useState } from 'react';

export interface QueryState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

export function useQuery<T>(fn: () => Promise<T>, deps: unknown[]): QueryState<T> {
  const [tick, setTick] = useState(0);
  const [result, setResult] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const request = `${tick}:${JSON.stringify(deps)}`;
  // a new request shows as loading from the render that makes it, keeping the last data meanwhile
  const [asked, setAsked] = useState(request);
  if (asked !== request) {
    setAsked(request);
    setResult((r) => ({ ...r, loading: true }));
  }
  // the request's function as of the render that made it; it is not a reason to reload by itself
  const load = useEffectEvent(fn);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setResult({ data, error: null, loading: false }),
      (error: unknown) => current && setResult((r) => ({ data: r.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [request]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: result.data, error: result.error, loading: result.loading, reload };
}
