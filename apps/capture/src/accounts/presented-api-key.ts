// Where a caller presents an API key, as on Mailsac: the `Mailsac-Key` header, else the `_mailsacKey` query.
import type { Request } from 'express';

export function presentedApiKey(request: Request): string | undefined {
  const header = request.headers['mailsac-key'];
  if (typeof header === 'string' && header !== '') return header;
  const query = request.query._mailsacKey;
  return typeof query === 'string' && query !== '' ? query : undefined;
}
