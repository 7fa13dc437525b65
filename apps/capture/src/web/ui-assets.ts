// Where the built front-end lives (`dist/web-ui`, written by web-ui/build.mjs next to the compiled server)
// and its index.html, read once: it is small and changes only with a new build.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const UI_BUILD_DIR = join(__dirname, '..', 'web-ui');
export const UI_ASSETS_DIR = join(UI_BUILD_DIR, 'assets');

/** Hashed bundle names only (`app-3F2K9Q.js`): no dots at the start, no path separators. */
export const ASSET_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export class UiAssets {
  readonly indexHtml: string | null;

  constructor(buildDir = UI_BUILD_DIR) {
    const index = join(buildDir, 'index.html');
    this.indexHtml = existsSync(index) ? readFileSync(index, 'utf8') : null;
  }
}
