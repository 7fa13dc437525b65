// A message's labels and (when not the inbox) its folder, as small tags: on rows and in the message view.
export function MessageTags({ labels, folder }: { labels: string[]; folder: string }) {
  if (labels.length === 0 && folder === 'inbox') return null;
  return (
    <span class="message-tags">
      {folder !== 'inbox' && (
        <span class="tag tag--folder">
          <span class="visually-hidden">Folder: </span>
          {folder}
        </span>
      )}
      {labels.map((label) => (
        <span class="tag" key={label}>
          <span class="visually-hidden">Label: </span>
          {label}
        </span>
      ))}
    </span>
  );
}
