// Every API error leaves as Mailsac's ErrorResponseBody `{ error, message }` with its HTTP status.
// Errors are typed here and mapped once, in ApiExceptionFilter.
import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from '../logging';
import type { CaptureMetrics } from '../metrics';
import { StoreUnavailableError } from '../store';

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly validationErrors?: string[]) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, validationErrors?: string[]) => new ApiError(HttpStatus.BAD_REQUEST, message, validationErrors);
export const unauthorized = (message = 'A valid API key is required (Mailsac-Key header or _mailsacKey query).') =>
  new ApiError(HttpStatus.UNAUTHORIZED, message);
export const messageNotFound = () => new ApiError(HttpStatus.NOT_FOUND, 'Message not found.');
export const attachmentNotFound = () => new ApiError(HttpStatus.NOT_FOUND, 'Attachment not found.');

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly metrics: CaptureMetrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, message, validationErrors } = this.describe(exception);
    if (status >= 500) this.logger.error({ err: exception, status }, 'api request failed');
    if (response.headersSent) return;
    if (status === HttpStatus.SERVICE_UNAVAILABLE) response.setHeader('Retry-After', '5');
    response.status(status).json({ error: STATUS_TEXT[status] ?? 'Error', message, ...(validationErrors ? { validationErrors } : {}) });
  }

  private describe(exception: unknown): { status: number; message: string; validationErrors?: string[] } {
    if (exception instanceof ApiError) return { status: exception.status, message: exception.message, validationErrors: exception.validationErrors };
    if (exception instanceof StoreUnavailableError) {
      this.metrics.storeErrorsTotal.inc({ operation: 'read' });
      return { status: 503, message: 'Storage is temporarily unavailable, try again later.' };
    }
    if (exception instanceof HttpException) {
      // Nest's own errors: unknown routes (404), body-parser's bad JSON and too-large bodies (400/413).
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : String((body as { message?: unknown }).message ?? exception.message);
      return { status: exception.getStatus(), message };
    }
    return { status: 500, message: 'Internal error.' };
  }
}
