// Readable states for "nothing here", "still loading" and "that failed", each saying what to do next.
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api-client';

export function ErrorNotice({ error, onRetry, children }: { error: ApiError; onRetry?: () => void; children?: ComponentChildren }) {
  const title = error.unreachable ? 'Cannot reach Capturebox' : error.status === 404 ? 'Not found' : error.status === 401 ? 'Sign-in needed' : 'Something went wrong';
  return (
    <div class="notice notice--error" role="alert">
      <p class="notice__title">{title}</p>
      <p>{error.message}</p>
      {children}
      {onRetry && (
        <button type="button" class="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="notice notice--empty">
      <p class="notice__title">{title}</p>
      {children}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}

/** What is wrong with what the reader just did, announced as it appears; nothing when all is well. */
export function FieldProblem({ problem, id }: { problem: string | null; id?: string }) {
  if (!problem) return null;
  return (
    <p id={id} class="field-problem" role="alert">
      {problem}
    </p>
  );
}
