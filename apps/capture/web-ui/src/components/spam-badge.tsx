// A small mark of SpamAssassin's verdict on rows and the message heading: only for a scored message (Mailsac's
// `spam`, 0..1, where 0.5 is SpamAssassin's threshold); an unscored one shows nothing rather than a made-up 0.
export const SPAM_THRESHOLD = 0.5;

export function SpamBadge({ spam }: { spam: number | undefined }) {
  if (spam === undefined) return null;
  const high = spam >= SPAM_THRESHOLD;
  return (
    <span class={`spam-badge${high ? ' spam-badge--high' : ''}`} title={`Spam probability ${spam} (SpamAssassin; ${SPAM_THRESHOLD} is its threshold)`}>
      <span class="visually-hidden">{high ? 'Likely spam, ' : ''}spam probability </span>
      <span aria-hidden="true">spam </span>
      {spam.toFixed(2)}
    </span>
  );
}
