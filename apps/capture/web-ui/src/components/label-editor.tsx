// A message's labels (add, remove) and folder (move), through Mailsac's organizing routes. Changing them
// needs an API key; without one the editor says so instead of failing on click.
import { useState } from 'preact/hooks';
import type { EmailMessage } from '../api-client';
import { useSession } from '../session';
import { asApiError } from '../use-inbox';
import { FieldProblem } from './notices';

/** Mailsac's folders (the API refuses any other). */
export const FOLDERS = ['inbox', 'all', 'spam', 'trash'];

export function LabelEditor({ message, onChanged }: { message: EmailMessage; onChanged(message: EmailMessage): void }) {
  const { api } = useSession();
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const signedIn = api.apiKey !== null;

  const change = async (action: () => Promise<Partial<EmailMessage>>) => {
    setProblem(null);
    try {
      onChanged({ ...message, ...(await action()) });
    } catch (failure) {
      setProblem(asApiError(failure).message);
    }
  };
  const add = (event: Event) => {
    event.preventDefault();
    const label = draft.trim();
    if (!label) return;
    setDraft('');
    void change(async () => ({ labels: await api.addLabel(message.inbox, message._id, label) }));
  };

  return (
    <section class="label-editor" aria-label="Labels and folder">
      <ul class="label-editor__labels" aria-label="Labels">
        {message.labels.length === 0 && <li class="label-editor__none">No labels</li>}
        {message.labels.map((label) => (
          <li key={label} class="tag">
            {label}
            {signedIn && (
              <button type="button" class="tag__remove" aria-label={`Remove label ${label}`} onClick={() => void change(async () => ({ labels: await api.removeLabel(message.inbox, message._id, label) }))}>
                {'\u00d7'}
              </button>
            )}
          </li>
        ))}
      </ul>
      {signedIn ? (
        <>
          <form class="label-editor__add" onSubmit={add}>
            <label class="visually-hidden" for="new-label">
              New label
            </label>
            <input id="new-label" type="text" class="label-editor__input" value={draft} maxLength={100} placeholder="Add a label" onInput={(event) => setDraft((event.target as HTMLInputElement).value)} />
            <button type="submit" class="button button--small">
              Add label
            </button>
          </form>
          <span class="label-editor__folder">
            <label for="message-folder">Folder</label>
            <select id="message-folder" value={message.folder} onChange={(event) => void change(async () => ({ folder: await api.setFolder(message.inbox, message._id, (event.target as HTMLSelectElement).value) }))}>
              {FOLDERS.map((folder) => (
                <option key={folder} value={folder}>
                  {folder}
                </option>
              ))}
            </select>
          </span>
        </>
      ) : (
        <p class="label-editor__none">
          Folder: {message.folder}. Sign in to change labels and folder.
        </p>
      )}
      <FieldProblem problem={problem} />
    </section>
  );
}
