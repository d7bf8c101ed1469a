// An orthogonal edge route as an SVG path: straight runs joined by small arcs at the bends.

export function edgePath(points: readonly { x: number; y: number }[], radius = 6): string {
  if (points.length < 2) return '';
  const [first] = points;
  let d = `M${first!.x},${first!.y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i - 1]!;
    const c = points[i]!;
    const n = points[i + 1]!;
    // the arc may take at most half of either run, so consecutive bends never overlap
    const r = Math.min(radius, Math.hypot(c.x - p.x, c.y - p.y) / 2, Math.hypot(n.x - c.x, n.y - c.y) / 2);
    const a = toward(c, p, r);
    const b = toward(c, n, r);
    d += ` L${a.x},${a.y} Q${c.x},${c.y} ${b.x},${b.y}`;
  }
  const last = points[points.length - 1]!;
  return `${d} L${last.x},${last.y}`;
}

function toward(from: { x: number; y: number }, to: { x: number; y: number }, distance: number): { x: number; y: number } {
  const length = Math.hypot(to.x - from.x, to.y - from.y);
  if (!length) return { x: from.x, y: from.y };
  return { x: from.x + ((to.x - from.x) / length) * distance, y: from.y + ((to.y - from.y) / length) * distance };
}
