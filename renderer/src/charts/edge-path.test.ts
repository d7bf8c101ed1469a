import { describe, expect, it } from 'vitest';
import { edgePath } from './edge-path.ts';

describe('edge path', () => {
  it('draws a straight run as one line', () => {
    expect(edgePath([{ x: 0, y: 10 }, { x: 50, y: 10 }])).toBe('M0,10 L50,10');
  });

  it('rounds each bend, never by more than half a run', () => {
    expect(edgePath([{ x: 0, y: 0 }, { x: 20, y: 0 }, { x: 20, y: 40 }, { x: 60, y: 40 }])).toBe('M0,0 L14,0 Q20,0 20,6 L20,34 Q20,40 26,40 L60,40');
    expect(edgePath([{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 4, y: 40 }])).toBe('M0,0 L2,0 Q4,0 4,2 L4,40');
  });

  it('draws nothing for a route without two points', () => {
    expect(edgePath([])).toBe('');
    expect(edgePath([{ x: 1, y: 1 }])).toBe('');
  });
});
