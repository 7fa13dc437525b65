// What a failed call throws: one class per HTTP status Capturebox answers with, each carrying Mailsac's error
// body `{ error, message, validationErrors? }` as the service sent it, so a test can `instanceof` or read it.
import type { components } from './generated/openapi';

export type ErrorBody = components['schemas']['ErrorResponseBody'];

export class CaptureboxError extends Error {
  override name = 'CaptureboxError';
  constructor(
    /** The HTTP status of the answer. */
    readonly status: number,
    /** Mailsac's error body as the service sent it (`{}` when the answer had none). */
    readonly body: ErrorBody,
    /** `GET /api/...`: which call failed. */
    readonly request: string,
  ) {
    super(`${request} answered ${status}: ${body.message ?? body.error ?? 'no error body'}${body.validationErrors?.length ? ` (${body.validationErrors.join('; ')})` : ''}`);
  }
}

export class CaptureboxBadRequestError extends CaptureboxError {
  override name = 'CaptureboxBadRequestError';
}
export class CaptureboxUnauthorizedError extends CaptureboxError {
  override name = 'CaptureboxUnauthorizedError';
}
export class CaptureboxForbiddenError extends CaptureboxError {
  override name = 'CaptureboxForbiddenError';
}
export class CaptureboxNotFoundError extends CaptureboxError {
  override name = 'CaptureboxNotFoundError';
}
export class CaptureboxConflictError extends CaptureboxError {
  override name = 'CaptureboxConflictError';
}
export class CaptureboxTooManyRequestsError extends CaptureboxError {
  override name = 'CaptureboxTooManyRequestsError';
}
export class CaptureboxUnavailableError extends CaptureboxError {
  override name = 'CaptureboxUnavailableError';
}

const BY_STATUS: Record<number, typeof CaptureboxError> = {
  400: CaptureboxBadRequestError,
  401: CaptureboxUnauthorizedError,
  403: CaptureboxForbiddenError,
  404: CaptureboxNotFoundError,
  409: CaptureboxConflictError,
  429: CaptureboxTooManyRequestsError,
  503: CaptureboxUnavailableError,
};

export function errorFor(status: number, body: ErrorBody, request: string): CaptureboxError {
  return new (BY_STATUS[status] ?? CaptureboxError)(status, body, request);
}

/** No message matched before the wait's deadline (the service answered 204 until then). */
export class CaptureboxWaitTimeoutError extends Error {
  override name = 'CaptureboxWaitTimeoutError';
  constructor(readonly conditions: object, readonly timeoutSeconds: number) {
    super(`no message matching ${JSON.stringify(conditions)} arrived within ${timeoutSeconds} s`);
  }
}
