// Counts and times every HTTP request by its route *pattern* (e.g. /api/addresses/:email/messages),
// never by the concrete path, so an address never becomes a label.
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { CaptureMetrics } from './capture-metrics';

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: CaptureMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const route = routePattern(request);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.httpRequestsTotal.inc({ route, method: request.method, status: String(response.statusCode) });
      this.metrics.httpRequestSeconds.observe({ route, method: request.method }, seconds);
    });
    next();
  }
}

function routePattern(request: Request): string {
  // Express sets req.route for the handler that matched; unmatched requests share one label.
  const route = (request as Request & { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${request.baseUrl ?? ''}${route.path}`;
  return 'unmatched';
}
