// A thumbnail of an image attachment. The download route always answers as a neutral octet-stream (so
// captured content never renders in the app's origin); the bytes are fetched and shown from a blob typed
// as the image type, and only raster types are shown (never SVG, which can carry script).
import { useEffect, useState } from 'preact/hooks';
import type { ApiClient } from '../api-client';

const RASTER_IMAGE = /^image\/(png|gif|jpeg|jpg|pjpeg|webp|avif|bmp)$/i;
/** Larger attachments are not fetched just to draw a thumbnail. */
export const MAX_THUMBNAIL_BYTES = 5 * 1024 * 1024;

export function isPreviewableImage(contentType: string): boolean {
  return RASTER_IMAGE.test(contentType.split(';')[0].trim());
}

export function ImageThumbnail({ api, path, contentType, alt }: { api: ApiClient; path: string; contentType: string; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let objectUrl: string | null = null;
    let cancelled = false;
    api.download(path).then(
      async (blob) => {
        if (cancelled || blob.size > MAX_THUMBNAIL_BYTES) return;
        objectUrl = URL.createObjectURL(new Blob([await blob.arrayBuffer()], { type: contentType.split(';')[0].trim().toLowerCase() }));
        setUrl(objectUrl);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [api, path, contentType]);
  if (!url) return <span class="thumbnail thumbnail--empty" aria-hidden="true" />;
  return <img class="thumbnail" src={url} alt={`Preview of ${alt}`} loading="lazy" />;
}
