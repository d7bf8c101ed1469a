// A small hash router: the view and its parameters live in location.hash, so back/forward and
// reloads keep the user's place, in Electron (file://) and in the browser alike.

import { create } from 'zustand';

export type ViewName = 'generate' | 'data' | 'pipeline' | 'run' | 'quality' | 'lineage' | 'analytics' | 'history' | 'compare' | 'sql' | 'profiles' | 'cloud';
const VIEWS: ViewName[] = ['generate', 'data', 'pipeline', 'run', 'quality', 'lineage', 'analytics', 'history', 'compare', 'sql', 'profiles', 'cloud'];

export interface Route {
  view: ViewName;
  params: Record<string, string>;
}

function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const view = (VIEWS as string[]).includes(path) ? (path as ViewName) : 'generate';
  return { view, params: Object.fromEntries(new URLSearchParams(query)) };
}

function formatHash(route: Route): string {
  const q = new URLSearchParams(route.params).toString();
  return `#/${route.view}${q ? `?${q}` : ''}`;
}

interface RouterState {
  route: Route;
  go(view: ViewName, params?: Record<string, string>): void;
}

export const useRouter = create<RouterState>((set) => ({
  route: parseHash(typeof location === 'undefined' ? '' : location.hash),
  go(view, params = {}) {
    const hash = formatHash({ view, params });
    if (location.hash !== hash) location.hash = hash;
    set({ route: { view, params } });
  },
}));

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => useRouter.setState({ route: parseHash(location.hash) }));
}
