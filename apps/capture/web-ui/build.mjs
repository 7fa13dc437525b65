#!/usr/bin/env node
// Builds the web UI into apps/capture/dist/web-ui: esbuild bundles src/main.tsx and src/styles.css into
// content-hashed files under assets/, and index.html is written with their names. The Nest app serves
// the result (src/web/ui-pages.controller.ts). Type checking is tsc's job (web-ui/tsconfig.json).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'src');
const out = join(here, '..', 'dist', 'web-ui');
const assets = join(out, 'assets');

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  absWorkingDir: here,
  entryPoints: { app: join(source, 'main.tsx'), styles: join(source, 'styles.css') },
  outdir: assets,
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome109', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

/** The built file (under assets/) for one entry point, as a URL path. */
function outputFor(entry) {
  const output = Object.entries(result.metafile.outputs).find(([, meta]) => meta.entryPoint && basename(meta.entryPoint) === entry);
  if (!output) throw new Error(`web-ui build: no output for ${entry}`);
  return `/assets/${relative(assets, join(here, output[0]))}`;
}

const favicon = readFileSync(join(source, 'favicon.svg'));
const faviconName = `favicon-${createHash('sha256').update(favicon).digest('hex').slice(0, 10)}.svg`;
writeFileSync(join(assets, faviconName), favicon);

const html = readFileSync(join(source, 'index.html'), 'utf8')
  .replace('{{script}}', outputFor('main.tsx'))
  .replace('{{styles}}', outputFor('styles.css'))
  .replace('{{favicon}}', `/assets/${faviconName}`);
writeFileSync(join(out, 'index.html'), html);

const sizes = Object.entries(result.metafile.outputs)
  .filter(([file]) => !file.endsWith('.map'))
  .map(([file, meta]) => `${basename(file)} ${(meta.bytes / 1024).toFixed(1)} KiB`);
console.log(`web-ui: built ${relative(join(here, '..'), out)} (${sizes.join(', ')})`);
