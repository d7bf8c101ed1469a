// Resolved theme colours for charts (CSS variables do not survive an SVG-to-PNG export).
import { useMemo } from 'react';
import { useApp, type Theme } from '../state/app.ts';

export interface ChartColors {
  series: string[];
  grid: string;
  text: string;
  muted: string;
  panel: string;
}

export function useChartColors(): ChartColors {
  const theme = useApp((s) => s.theme);
  return useMemo(() => readChartColors(theme), [theme]);
}

/** A theme's chart colours, read from the CSS variables its theme attribute sets. */
function readChartColors(theme: Theme): ChartColors {
  const root = document.documentElement;
  if (root.dataset.theme !== theme) root.dataset.theme = theme;
  const css = getComputedStyle(root);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return { series: [v('--chart-1'), v('--chart-2'), v('--chart-3'), v('--chart-4')], grid: v('--chart-grid'), text: v('--text'), muted: v('--muted'), panel: v('--panel') };
}
