// Every HTTP route the built app declares, read from the NestJS metadata of its compiled controllers, so
// a test can insist that each route is covered (a new route without a test entry fails the test).
import 'reflect-metadata';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const DIST = resolve(__dirname, '../../../apps/capture/dist');
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];

export interface DeclaredRoute {
  method: string;
  /** Express-style pattern, e.g. `/api/addresses/:email/messages`. */
  path: string;
}

function controllerFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return controllerFiles(full);
    return entry.endsWith('.controller.js') ? [full] : [];
  });
}

const joinPath = (...parts: string[]) => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;

export function declaredRoutes(): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const file of controllerFiles(DIST)) {
    for (const exported of Object.values(require(file) as Record<string, unknown>)) {
      if (typeof exported !== 'function') continue;
      const base = Reflect.getMetadata('path', exported) as string | undefined;
      if (base === undefined) continue;
      const prototype = (exported as { prototype: Record<string, unknown> }).prototype;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata('method', handler) as number | undefined;
        const paths = Reflect.getMetadata('path', handler) as string | string[] | undefined;
        if (method === undefined || paths === undefined) continue;
        for (const path of Array.isArray(paths) ? paths : [paths]) routes.push({ method: METHODS[method], path: joinPath(base, path) });
      }
    }
  }
  return routes;
}
