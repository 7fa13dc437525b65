// The message view's tab panels: HTML (sandboxed frame), text, source, headers, attachments (the links
// tab is link-hosts.tsx).
// Everything captured is hostile input: it is shown as text (Preact escapes it) or inside the sandboxed
// frame, never as markup in the app's own page.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { paths, type ApiClient, type AttachmentInfo, type EmailMessage, type HeaderField } from '../api-client';
import { byteSize } from '../format';
import { useSession } from '../session';
import { useAsync, type AsyncState } from '../use-async';
import { EmptyState, ErrorNotice, Loading } from './notices';
import { MessageFrame, PreviewWidthSwitch, type PreviewWidth } from './message-frame';
import { DeliveryFacts } from './delivery-facts';
import { ImageThumbnail, isPreviewableImage } from './image-thumbnail';

interface PanelProps {
  message: EmailMessage;
}

export function HtmlPanel({ message }: PanelProps) {
  const { ready, refreshUiCookie } = useSession();
  const [remoteImages, setRemoteImages] = useState(false);
  const [cookieFresh, setCookieFresh] = useState(false);
  const [width, setWidth] = useState<PreviewWidth>('desktop');
  useEffect(() => {
    if (ready) void refreshUiCookie().then(() => setCookieFresh(true));
  }, [ready, refreshUiCookie]);
  return (
    <div class="html-panel">
      <div class="panel-toolbar">
        <PreviewWidthSwitch width={width} onChange={setWidth} />
        {remoteImages ? (
          <p class="panel-toolbar__note">Remote images are shown.</p>
        ) : (
          <>
            <p class="panel-toolbar__note">Remote images are blocked, so senders cannot see that you opened this.</p>
            <button type="button" class="button button--small" onClick={() => setRemoteImages(true)}>
              Show remote images
            </button>
          </>
        )}
      </div>
      {cookieFresh && <MessageFrame src={paths.rendered(message.inbox, message._id, remoteImages)} width={width} />}
    </div>
  );
}

/** "Loading", then the error with a retry, or the content made of the loaded value. */
function Loaded<T>({ state, what, children }: { state: AsyncState<T>; what: string; children: (value: T) => ComponentChildren }) {
  if (state.loading) return <Loading label={`Loading ${what}\u2026`} />;
  if (state.error) return <ErrorNotice error={state.error} onRetry={state.retry} />;
  return <>{children(state.value as T)}</>;
}

export function TextPanel({ message }: PanelProps) {
  const { api } = useSession();
  const text = useAsync(() => api.getText(message.inbox, message._id), [api, message._id]);
  return (
    <Loaded state={text} what="the text">
      {(value) => (value.trim() ? <pre class="code-block code-block--text">{value}</pre> : <EmptyState title="This message has no text part." />)}
    </Loaded>
  );
}

export function SourcePanel({ message }: PanelProps) {
  const { api } = useSession();
  const source = useAsync(() => api.getRawSource(message.inbox, message._id), [api, message._id]);
  return (
    <Loaded state={source} what="the source">
      {(value) => (
        <>
          <div class="panel-toolbar">
            <DownloadLink api={api} path={`${paths.raw(message.inbox, message._id)}?download=1`} fileName={`${message._id}.eml`} label="Download .eml" />
          </div>
          <pre class="code-block" aria-label="Raw message source">
            {value}
          </pre>
        </>
      )}
    </Loaded>
  );
}

export function HeadersPanel({ message }: PanelProps) {
  const { api } = useSession();
  const headers = useAsync(() => api.getHeaders(message.inbox, message._id), [api, message._id]);
  return (
    <Loaded state={headers} what="the headers">
      {(value) => (
        <>
          <DeliveryFacts headers={value} />
          <HeadersTable headers={value} />
        </>
      )}
    </Loaded>
  );
}

function HeadersTable({ headers }: { headers: HeaderField[] }) {
  return (
    <div class="table-scroll">
      <table class="headers-table">
        <caption class="visually-hidden">Message headers, in order</caption>
        <thead>
          <tr>
            <th scope="col">Header</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {headers.map((header, index) => (
            <tr key={index}>
              <th scope="row">{header.name}</th>
              <td>{header.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AttachmentsPanel({ message }: PanelProps) {
  const { api } = useSession();
  const attachments = useAsync(() => api.listAttachments(message.inbox, message._id), [api, message._id]);
  return (
    <Loaded state={attachments} what="the attachments">
      {(list) =>
        list.length === 0 ? (
          <EmptyState title="No attachments." />
        ) : (
          <ul class="attachment-list">
            {list.map((attachment) => (
              <AttachmentItem key={attachment.checksum} api={api} message={message} attachment={attachment} />
            ))}
          </ul>
        )
      }
    </Loaded>
  );
}

function AttachmentItem({ api, message, attachment }: { api: ApiClient; message: EmailMessage; attachment: AttachmentInfo }) {
  const fileName = attachment.fileName || `${attachment.checksum}.bin`;
  return (
    <li class="attachment-list__item">
      {isPreviewableImage(attachment.contentType) && <ImageThumbnail api={api} path={paths.attachment(message.inbox, message._id, attachment.checksum)} contentType={attachment.contentType} alt={fileName} />}
      <span class="attachment-list__name">{fileName}</span>
      <span class="attachment-list__meta">
        {attachment.contentType}, {byteSize(attachment.length)}
      </span>
      <DownloadLink api={api} path={paths.attachment(message.inbox, message._id, attachment.checksum)} fileName={fileName} label={`Download`} description={fileName} />
    </li>
  );
}

/**
 * A download link. Signed in, the bytes are fetched with the key (the API wants it for private mail, and a
 * key must not sit in a URL) and saved from a blob; anonymous, the browser follows the link itself.
 */
function DownloadLink({ api, path, fileName, label, description }: { api: ApiClient; path: string; fileName: string; label: string; description?: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  const onClick = async (event: MouseEvent) => {
    if (!api.apiKey) return;
    event.preventDefault();
    try {
      saveBlob(await api.download(path), fileName);
      setProblem(null);
    } catch (failure) {
      setProblem(failure instanceof Error ? failure.message : String(failure));
    }
  };
  return (
    <>
      <a class="button button--small" href={path} download={fileName} onClick={onClick} aria-label={description ? `${label} ${description}` : undefined}>
        {label}
      </a>
      {problem && (
        <span class="field-problem" role="alert">
          {problem}
        </span>
      )}
    </>
  );
}

function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
