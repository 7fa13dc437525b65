// Every API error leaves as Mailsac's ErrorResponseBody `{ error, message }` with its HTTP status, as the
// error table (failures/) says. The filter also keeps a presented API key out of every error message.
import { ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { presentedApiKey } from '../accounts';
import { failureNameOf, httpFailureOf, httpStatusText, type HttpFailure } from '../failures';
import type { Logger } from '../logging';
import type { CaptureMetrics } from '../metrics';

export class ApiError extends Error {
  constructor(readonly failure: HttpFailure, message: string, readonly validationErrors?: string[]) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, validationErrors?: string[]) => new ApiError('bad_request', message, validationErrors);
export const unauthorized = (message = 'A valid API key is required (Mailsac-Key header or _mailsacKey query).') => new ApiError('auth_required', message);
export const notFound = (message: string) => new ApiError('not_found', message);
export const messageNotFound = () => notFound('Message not found.');
export const attachmentNotFound = () => notFound('Attachment not found.');

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly metrics: CaptureMetrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const { status, message, validationErrors } = httpFailureOf(exception);
    if (failureNameOf(exception) === 'store_unavailable') this.metrics.storeErrorsTotal.inc({ operation: 'read' });
    if (status >= 500) this.logger.error({ err: exception, status }, 'api request failed');
    if (response.headersSent) return;
    if (status === 503) response.setHeader('Retry-After', '5');
    response.status(status).json({ error: httpStatusText(status), message: withoutKey(message, request), ...(validationErrors ? { validationErrors } : {}) });
  }
}

/** Error messages echo paths and query strings (Nest's "Cannot GET /x?_mailsacKey=..."): never a key. */
function withoutKey(message: string, request: Request): string {
  const withoutQuery = message.replace(/^(Cannot [A-Z]+ [^?\s]*)\?\S*/, '$1');
  const key = presentedApiKey(request);
  return key ? withoutQuery.split(key).join('[redacted]') : withoutQuery;
}
