// Libraries an appliance may never need (the MongoDB driver on the embedded store, the HTML feature check, the
// sanitizer of the HTML view) are required on their first use rather than at start: each costs megabytes of
// an idle appliance's memory, and a platform runs hundreds of mostly idle appliances. Callers import only
// their types (`import type`).
export function loadOnFirstUse<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
