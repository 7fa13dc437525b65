// Any error as the HTTP reply it stands for, by the error table. Framework errors (Nest's HttpException,
// body-parser's http-errors: 413 too large, 415 bad charset, 400 bad JSON) keep their own 4xx status;
// only an error nobody expected is a 500.
import { FAILURES, failureNameOf, type HttpReplyRow } from './failure-table';

export interface HttpFailureReply {
  status: number;
  message: string;
  validationErrors?: string[];
}

interface FrameworkError {
  getStatus?: () => number;
  getResponse?: () => unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
  validationErrors?: unknown;
}

export function httpFailureOf(error: unknown): HttpFailureReply {
  const e = (error ?? {}) as FrameworkError;
  const validationErrors = Array.isArray(e.validationErrors) ? (e.validationErrors as string[]) : undefined;
  const name = failureNameOf(error);
  const row = name ? (FAILURES[name] as { http?: HttpReplyRow }).http : undefined;
  // A 4xx error's own message is for the client; a 5xx's is about our insides and stays in the logs.
  if (row) return { status: row.status, message: (row.status < 500 && ownMessage(e)) || row.message, ...(validationErrors ? { validationErrors } : {}) };
  if (typeof e.getStatus === 'function') {
    const body = e.getResponse?.();
    const message = typeof body === 'string' ? body : String((body as { message?: unknown } | undefined)?.message ?? e.message);
    return { status: e.getStatus(), message };
  }
  // http-errors (body-parser, raw-body, Express' own): `expose` marks messages meant for the client.
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, message: e.expose === true && typeof e.message === 'string' ? e.message : FAILURES.bad_request.http.message };
  }
  return { status: FAILURES.internal.http.status, message: FAILURES.internal.http.message };
}

function ownMessage(error: FrameworkError): string | undefined {
  return typeof error.message === 'string' && error.message !== '' ? error.message : undefined;
}
