// Filters over a message list: each label seen in it toggles a `label:` term of the search, and a folder
// choice narrows the rows shown (the search language has no folder term, so that one filters what is loaded).
import type { EmailMessage } from '../api-client';

export const ALL_FOLDERS = 'any';

export function labelsIn(messages: EmailMessage[]): string[] {
  return [...new Set(messages.flatMap((message) => message.labels))].sort((a, b) => a.localeCompare(b));
}

/** The query with `label:<label>` added, or taken out when it is there. */
export function toggleLabelTerm(query: string, label: string): string {
  const term = /[\s"]/.test(label) ? `label:"${label}"` : `label:${label}`;
  const terms = query.trim() ? query.trim().split(/\s+/) : [];
  const without = terms.filter((t) => t.toLowerCase() !== term.toLowerCase());
  return (without.length === terms.length ? [...terms, term] : without).join(' ');
}

export function hasLabelTerm(query: string, label: string): boolean {
  return query.toLowerCase().split(/\s+/).includes(`label:${label.toLowerCase()}`);
}

export function ListFilters({ messages, query, onQuery, folder, onFolder }: { messages: EmailMessage[]; query: string; onQuery(query: string): void; folder: string; onFolder(folder: string): void }) {
  const labels = labelsIn(messages);
  const folders = [...new Set(messages.map((message) => message.folder))].sort();
  if (labels.length === 0 && folders.length <= 1 && folder === ALL_FOLDERS) return null;
  return (
    <div class="list-filters">
      {labels.length > 0 && (
        <div class="list-filters__labels" role="group" aria-label="Filter by label">
          <span class="list-filters__title" aria-hidden="true">
            Labels:
          </span>
          {labels.map((label) => (
            <button key={label} type="button" class="tag tag--button" aria-pressed={hasLabelTerm(query, label) ? 'true' : 'false'} onClick={() => onQuery(toggleLabelTerm(query, label))}>
              {label}
            </button>
          ))}
        </div>
      )}
      <span class="list-filters__folder">
        <label for="folder-filter">Folder</label>
        <select id="folder-filter" value={folder} onChange={(event) => onFolder((event.target as HTMLSelectElement).value)}>
          <option value={ALL_FOLDERS}>any</option>
          {[...new Set([...folders, ...(folder === ALL_FOLDERS ? [] : [folder])])].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </span>
    </div>
  );
}
