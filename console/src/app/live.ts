/**
 * Keeps the snapshot live: refreshes the store every second while the page is visible (every 15 s while
 * hidden), one refresh at a time, and at once when a page asks for new details.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { PipelineStore, Snapshot } from '../data/store';
import type { CountedClients } from './clients';

export const REFRESH_MS = 1000;
const HIDDEN_REFRESH_MS = 15_000;

export class LiveSnapshot {
  private listeners = new Set<(snapshot: Snapshot) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private again = false;
  current: Snapshot | undefined;

  constructor(
    readonly store: PipelineStore,
    readonly clients: CountedClients,
  ) {}

  start(): void {
    void this.tick();
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.refreshSoon();
    });
  }

  subscribe(listener: (snapshot: Snapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After the page changed what it wants: refresh now (or right after the refresh under way). */
  refreshSoon(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    void this.tick();
  }

  private async tick(): Promise<void> {
    this.running = true;
    try {
      // The runs are drawn as soon as they are listed; their details follow in the same refresh.
      const publish = (snapshot: Snapshot) => {
        this.current = snapshot;
        for (const listener of this.listeners) listener(snapshot);
      };
      publish(await this.store.refresh(this.current ? undefined : publish, publish));
    } finally {
      this.running = false;
      const delay = this.again ? 0 : document.hidden ? HIDDEN_REFRESH_MS : REFRESH_MS;
      this.again = false;
      this.timer = setTimeout(() => void this.tick(), delay);
    }
  }
}

export const LiveContext = createContext<LiveSnapshot | undefined>(undefined);

export function useLive(): LiveSnapshot {
  const live = useContext(LiveContext);
  if (!live) throw new Error('no LiveContext');
  return live;
}

export function useSnapshot(): Snapshot | undefined {
  const live = useLive();
  const [snapshot, setSnapshot] = useState(live.current);
  useEffect(() => live.subscribe(setSnapshot), [live]);
  return snapshot;
}
