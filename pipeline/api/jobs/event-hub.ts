// Fans server events out to subscribers in batches. A run can log hundreds of lines a second and
// the generator reports progress many times a second; batching every 100 ms (and keeping only the
// latest progress of each job or stage in a batch) keeps the UI repainting at a steady rate.

import type { EventBatch, ServerEvent } from '../protocol.ts';

const FLUSH_MS = 100;

type Listener = (batch: EventBatch) => void;

function coalesceKey(e: ServerEvent): string | null {
  if (e.kind === 'generate.progress') return `g:${e.jobId}`;
  if (e.kind === 'run' && e.event.type === 'stage.progress') return `p:${e.event.runId}:${e.event.stage}:${e.event.dataset ?? ''}`;
  return null;
}

export class EventHub {
  private readonly listeners = new Set<Listener>();
  private buffer: ServerEvent[] = [];
  private timer: NodeJS.Timeout | null = null;

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ServerEvent): void {
    const key = coalesceKey(event);
    if (key !== null) {
      const at = this.buffer.findIndex((e) => coalesceKey(e) === key);
      if (at >= 0) {
        this.buffer[at] = event;
        return this.schedule();
      }
    }
    this.buffer.push(event);
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.buffer.length) return;
    const batch = this.buffer;
    this.buffer = [];
    for (const l of this.listeners) {
      try {
        l(batch);
      } catch (err) {
        // one broken subscriber (a closed socket) must not starve the others
        console.error(`event subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  close(): void {
    this.flush();
    this.listeners.clear();
  }
}
