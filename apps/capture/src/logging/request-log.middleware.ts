// One JSON line per HTTP request with a request id. Logs the route pattern, never the URL: URLs carry
// addresses and may carry `_mailsacKey`.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger';

export class RequestLogMiddleware {
  constructor(private readonly logger: Logger) {}

  readonly handler = (request: Request, response: Response, next: NextFunction): void => {
    const requestId = headerValue(request.headers['x-request-id']) ?? randomUUID();
    response.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const route = (request as Request & { route?: { path?: unknown } }).route?.path;
      this.logger.info(
        {
          reqId: requestId,
          method: request.method,
          route: typeof route === 'string' ? route : 'unmatched',
          status: response.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'http request',
      );
    });
    next();
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  // Only accept a caller's id if it is short and plain, so it cannot inject into log lines.
  return first && /^[A-Za-z0-9._-]{1,64}$/.test(first) ? first : undefined;
}
