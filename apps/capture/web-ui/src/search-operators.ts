// The search language's terms as the help popover lists them (the server's parser, apps/capture/src/search,
// is the authority; README "Searching mail" says the same).
export const SEARCH_OPERATORS: { example: string; meaning: string }[] = [
  { example: 'invoice  "reset your password"', meaning: 'words or a phrase in the subject, addresses or body' },
  { example: 'from:shop.test', meaning: 'part of a From address' },
  { example: 'to:alice@', meaning: 'part of a To address or the inbox' },
  { example: 'subject:"your code"', meaning: 'part of the subject' },
  { example: 'label:important', meaning: 'one of the labels' },
  { example: 'is:starred  is:unread  is:read', meaning: 'starred, unread or read mail' },
  { example: 'has:attachment', meaning: 'mail with attachments' },
  { example: 'after:2d  before:2026-12-01', meaning: 'received after / before a day, an instant or a time ago (30m, 12h, 7d, 2w)' },
  { example: 'larger:10k  smaller:2M', meaning: 'raw size in bytes (k, M, G)' },
  { example: '-from:bank', meaning: 'a leading "-" negates any term' },
];
