import { MAX_BATCH } from '../generate/options.ts';

/**
 * The batch a run takes when none is named: the one after the last batch the warehouse holds (1 on
 * an empty warehouse). Batches are a timeline of monthly extracts, each building on the one before,
 * so a gap is not filled: after 1 and 3, the next is 4. Null when the timeline is used up.
 */
export function nextBatch(loaded: Iterable<number>): number | null {
  let last = 0;
  for (const b of loaded) if (b > last) last = b;
  return last < MAX_BATCH ? last + 1 : null;
}
