// The size of a node in the lineage graph: the layout places boxes of this size, the view draws them.
export const NODE_W = 200;
export const NODE_H = 46;
