// The sandboxed frame of a message's HTML, as tall as the mail (its document reports its height, see
// src/web/render-message-html.ts) and as wide as the chosen preview: phone, tablet or desktop.
import { useEffect, useRef, useState } from 'preact/hooks';

export type PreviewWidth = 'phone' | 'tablet' | 'desktop';

export const PREVIEW_WIDTHS: { id: PreviewWidth; label: string; px: number | null }[] = [
  { id: 'phone', label: 'Phone', px: 375 },
  { id: 'tablet', label: 'Tablet', px: 768 },
  { id: 'desktop', label: 'Desktop', px: null },
];

/** Before the document says its height; and the bounds a report is held to (it is the mail's to set). */
const INITIAL_HEIGHT = 240;
const MIN_HEIGHT = 60;
const MAX_HEIGHT = 100_000;
/** The frame's top and bottom border (styles.css .html-frame, border-box): the report is the inside. */
const FRAME_BORDERS_PX = 2;

export function MessageFrame({ src, width }: { src: string; width: PreviewWidth }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(INITIAL_HEIGHT);
  useEffect(() => {
    const onMessage = (event: MessageEvent) => {
      // Only our own frame's report counts (its origin is opaque, so the source is what identifies it).
      if (!frame.current || event.source !== frame.current.contentWindow) return;
      const reported = (event.data as { captureboxFrameHeight?: unknown } | null)?.captureboxFrameHeight;
      if (typeof reported === 'number' && Number.isFinite(reported)) setHeight(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(reported))));
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, []);
  const px = PREVIEW_WIDTHS.find((preview) => preview.id === width)?.px ?? null;
  return (
    <div class={`html-frame-stage html-frame-stage--${width}`}>
      {/* No allow-same-origin: the document's origin is opaque, so nothing in it can reach the app. Its CSP
          lets only its own nonced height report run. allow-popups lets its links open in a new tab. */}
      <iframe
        ref={frame}
        class="html-frame"
        title="Message HTML (sandboxed)"
        src={src}
        sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"
        referrerpolicy="no-referrer"
        style={{ height: `${height + FRAME_BORDERS_PX}px`, width: px ? `${px}px` : '100%' }}
      />
    </div>
  );
}

export function PreviewWidthSwitch({ width, onChange }: { width: PreviewWidth; onChange(width: PreviewWidth): void }) {
  return (
    <div class="preview-switch" role="group" aria-label="Preview width">
      {PREVIEW_WIDTHS.map((preview) => (
        <button key={preview.id} type="button" class="button button--small" aria-pressed={preview.id === width ? 'true' : 'false'} onClick={() => onChange(preview.id)}>
          {preview.label}
          {preview.px && <span class="preview-switch__px"> {preview.px}px</span>}
        </button>
      ))}
    </div>
  );
}
