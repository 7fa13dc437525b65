// One click copies a value (a code, a link, a command) to the clipboard; the button says "Copied" a moment.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const COPIED_FOR_MS = 1500;

export function CopyButton({ value, label, children, class: className = 'button button--small' }: { value: string; label: string; children?: ComponentChildren; class?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), COPIED_FOR_MS);
    return () => clearTimeout(timer);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <button type="button" class={className} onClick={() => void copy()} title={label} data-copy-value={value}>
      {children ?? label}
      <span class="copy-state" role="status">
        {state === 'copied' ? ' \u2713 Copied' : state === 'failed' ? ' (copy failed: select and copy by hand)' : ''}
      </span>
    </button>
  );
}
