// Where the lineage canvas looks: a translation and a zoom factor. The whole graph fits when
// nothing is selected; a selected node is brought into view at a zoom where its text reads.

export interface View {
  x: number;
  y: number;
  k: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Box extends Size {
  x: number;
  y: number;
}

export const MIN_ZOOM = 0.15;
export const MAX_ZOOM = 3;
/** The zoom from which a node's name and details read comfortably. */
export const READABLE_ZOOM = 0.8;
const MARGIN = 40;

/**
 * The whole graph centred in the canvas, no larger than 110 % (and as small as it takes: a large
 * graph fits below the zoom the wheel goes down to); `top` is room above it for the bands' labels.
 */
export function fitView(canvas: Size, graph: Size, top = 0): View {
  const k = Math.min(1.1, (canvas.width - 2 * MARGIN) / Math.max(1, graph.width), (canvas.height - 2 * MARGIN) / Math.max(1, graph.height + top));
  return { k, x: (canvas.width - graph.width * k) / 2, y: (canvas.height - (graph.height - top) * k) / 2 };
}

/** The view unchanged when it shows the box whole at a readable zoom; else the box centred at that zoom. */
export function revealView(view: View, canvas: Size, box: Box): View {
  const left = view.x + box.x * view.k;
  const top = view.y + box.y * view.k;
  const inside = left >= 0 && top >= 0 && left + box.width * view.k <= canvas.width && top + box.height * view.k <= canvas.height;
  if (inside && view.k >= READABLE_ZOOM) return view;
  const k = Math.max(view.k, READABLE_ZOOM);
  return { k, x: canvas.width / 2 - (box.x + box.width / 2) * k, y: canvas.height / 2 - (box.y + box.height / 2) * k };
}

/** Zooms by a factor around a point of the canvas, which stays where it is. */
export function zoomAt(view: View, factor: number, px: number, py: number): View {
  const k = clampZoom(view.k * factor);
  return { k, x: px - ((px - view.x) * k) / view.k, y: py - ((py - view.y) * k) / view.k };
}

const clampZoom = (k: number) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k));
