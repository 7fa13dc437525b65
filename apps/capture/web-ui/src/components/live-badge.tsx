// Says whether new mail will show up by itself.
import type { LiveState } from '../use-inbox';

const LABELS: Record<LiveState, string> = {
  connecting: 'Connecting\u2026',
  live: 'Live',
  reconnecting: 'Reconnecting\u2026',
  off: 'Live updates paused',
};

export function LiveBadge({ state }: { state: LiveState }) {
  return (
    <span class={`live-badge live-badge--${state}`} role="status" title="New mail appears here without reloading">
      <span class="live-badge__dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
