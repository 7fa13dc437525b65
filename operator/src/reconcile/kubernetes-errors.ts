// The API server's answers, as the few facts the operator acts on.
import { ApiException } from '@kubernetes/client-node';

export function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { code?: unknown; statusCode?: unknown } | null)?.code ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (error: unknown) => statusCodeOf(error) === 404;
export const isConflict = (error: unknown) => statusCodeOf(error) === 409;

/** The API server's own explanation (its Status message) rather than the client's generic text. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiException) {
    let body: unknown = error.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return `${error.code}: ${body}`.slice(0, 1000);
      }
    }
    const message = (body as { message?: string } | null)?.message;
    return `${error.code}: ${message ?? error.message}`.slice(0, 1000);
  }
  return error instanceof Error ? error.message : String(error);
}
