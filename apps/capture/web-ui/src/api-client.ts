// The browser's client of Capturebox's Mailsac-compatible REST API: every piece of mail the UI shows comes
// through here. The API key, when the reader signed in, travels in the Mailsac-Key header.

/** Mailsac's EmailMessage, the fields the UI uses. */
export interface EmailMessage {
  _id: string;
  inbox: string;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  subject: string;
  received: string;
  size: number;
  attachments: string[];
  links: string[];
  read: boolean;
  savedBy: string | null;
  labels: string[];
  folder: string;
  /** Mailsac's spam probability (0..1); absent while the message is not scored. */
  spam?: number;
}

export interface MailAddress {
  address: string;
  name: string;
}

export interface AttachmentInfo {
  checksum: string;
  fileName: string;
  contentType: string;
  contentId: string;
  length: number;
}

export interface HeaderField {
  name: string;
  value: string;
}

export interface AccountInfo {
  _id: string;
  capturePrivate: boolean;
  messageLimit: number;
  isAdmin?: boolean;
}

/** A message's one-time codes (best first) and links: GET /api/addresses/:email/messages/:id/codes. */
export interface MessageCodes {
  _id: string;
  codes: { value: string; source: string }[];
  links: string[];
}

/** GET /api/search: one page of the account's matching mail and how many match in all. */
export interface SearchResults {
  total: number;
  messages: EmailMessage[];
}

/** An API key of the signed-in account, as listed (never its secret). */
export interface ApiKeyInfo {
  id: string;
  label: string;
  created: string;
}

/** GET /ui/instance: how to send mail here. */
export interface InstanceInfo {
  smtpPort: number;
  smtpImplicitTlsPort: number | null;
  smtpAuth: 'required' | 'optional' | 'off';
}

export type WebhookKind = 'address' | 'domain' | 'account';

/** Capturebox's own webhook (GET /api/webhooks): what is watched, where it is POSTed, the signing key. */
export interface Webhook {
  _id: string;
  kind: WebhookKind;
  target: string | null;
  url: string;
  secret: string;
  created: string;
}

export interface WebhookAttempt {
  at: string;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

export interface WebhookDelivery {
  _id: string;
  messageId: string;
  inbox: string;
  state: 'pending' | 'delivered' | 'failed' | 'dropped';
  attempts: number;
  created: string;
  nextAttemptAt: string | null;
  lastAttempts: WebhookAttempt[];
}

/** GET .../checks/spam: SpamAssassin's verdict; `scored: false` without spamd, or before it answered. */
export interface SpamCheck {
  _id: string;
  scored: boolean;
  spam: number | null;
  score: number | null;
  required: number | null;
  rules: string[];
}

/** GET .../checks/html: the HTML and CSS features some mail clients lack (caniemail's names). */
export interface HtmlCheck {
  _id: string;
  checked: boolean;
  truncated: boolean;
  issues: { feature: string; support: 'unsupported' | 'partial'; clients: string[] }[];
}

export interface LinkStatus {
  url: string;
  result: 'ok' | 'broken' | 'failed' | 'not_allowed';
  status: number | null;
  redirects: number;
  finalUrl: string | null;
  error: 'timeout' | 'unreachable' | 'redirect_loop' | 'too_many_redirects' | 'not_http' | null;
}

/** GET .../checks/links: each link requested now (only hosts the instance allows). */
export interface LinkCheck {
  _id: string;
  truncated: boolean;
  links: LinkStatus[];
}

export type ChaosStage = 'connect' | 'mail' | 'rcpt' | 'data';
export type ChaosScope = { account: string } | { address: string };

/** A chaos rule's body, as POST /api/admin/chaos takes it (README "Chaos"). */
export type ChaosRuleSpec =
  | { kind: 'refuse'; stage: ChaosStage; code: number; text: string; probability?: number; times?: number; scope?: ChaosScope }
  | { kind: 'delay'; stage: ChaosStage; delayMs: number; probability?: number; times?: number; scope?: ChaosScope }
  | { kind: 'rate_limit'; messages: number; intervalMs: number; scope?: ChaosScope }
  | { kind: 'connection_limit'; connections: number };

/** A rule as GET /api/admin/chaos lists it: `times` is what is left of it. */
export interface ChaosRule {
  _id: string;
  created: string;
  rule: ChaosRuleSpec;
}

/** Why a call failed, in words a reader can act on. `status` 0 means the service could not be reached. */
export class ApiError extends Error {
  /** The API's field-by-field reasons for a 400 (Mailsac's `validationErrors`), when it gave them. */
  constructor(readonly status: number, message: string, readonly validationErrors: string[] = []) {
    super(message);
    this.name = 'ApiError';
  }

  get unreachable(): boolean {
    return this.status === 0;
  }
}

const enc = encodeURIComponent;

export const paths = {
  inbox: (email: string) => `/api/addresses/${enc(email)}/messages`,
  count: (email: string) => `/api/addresses/${enc(email)}/message-count`,
  message: (email: string, id: string) => `/api/addresses/${enc(email)}/messages/${enc(id)}`,
  raw: (email: string, id: string) => `/api/raw/${enc(email)}/${enc(id)}`,
  text: (email: string, id: string) => `/api/text/${enc(email)}/${enc(id)}`,
  attachment: (email: string, id: string, md5: string) => `/api/addresses/${enc(email)}/messages/${enc(id)}/attachments/${enc(md5)}`,
  rendered: (email: string, id: string, remoteImages: boolean) => `/ui/render/${enc(email)}/${enc(id)}${remoteImages ? '?images=1' : ''}`,
  liveInbox: (email: string) => `/ui/events/inbox/${enc(email)}`,
};

export class ApiClient {
  constructor(readonly apiKey: string | null) {}

  /** One page of an inbox, newest first; with `query`, only the messages that match it (the search language). */
  listMessages(email: string, page: { limit: number; until?: string; query?: string }): Promise<EmailMessage[]> {
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.until) query.set('until', page.until);
    if (page.query) query.set('query', page.query);
    return this.json(`${paths.inbox(email)}?${query}`);
  }

  async countMessages(email: string): Promise<number> {
    return (await this.json<{ count: number }>(paths.count(email))).count;
  }

  getMessage(email: string, id: string): Promise<EmailMessage> {
    return this.json(paths.message(email, id));
  }

  async deleteMessage(email: string, id: string): Promise<void> {
    await this.call(paths.message(email, id), { method: 'DELETE' });
  }

  async deleteAllMessages(email: string): Promise<void> {
    await this.call(paths.inbox(email), { method: 'DELETE' });
  }

  toggleStar(email: string, id: string): Promise<EmailMessage> {
    return this.json(`${paths.message(email, id)}/star`, { method: 'PUT' });
  }

  /** The account's mail (its private addresses, domains, stars; all mail for an admin) matching `query`. */
  search(query: string, limit: number): Promise<SearchResults> {
    return this.json(`/api/search?${new URLSearchParams({ query, limit: String(limit) })}`);
  }

  getCodes(email: string, id: string): Promise<MessageCodes> {
    return this.json(`${paths.message(email, id)}/codes`);
  }

  async addLabel(email: string, id: string, label: string): Promise<string[]> {
    return (await this.json<{ labels: string[] }>(`${paths.message(email, id)}/labels/${enc(label)}`, { method: 'PUT' })).labels;
  }

  async removeLabel(email: string, id: string, label: string): Promise<string[]> {
    return (await this.json<{ labels: string[] }>(`${paths.message(email, id)}/labels/${enc(label)}`, { method: 'DELETE' })).labels;
  }

  async setFolder(email: string, id: string, folder: string): Promise<string> {
    return (await this.json<{ folder: string }>(`${paths.message(email, id)}/folder/${enc(folder)}`, { method: 'PUT' })).folder;
  }

  listMyKeys(): Promise<ApiKeyInfo[]> {
    return this.json('/api/me/keys');
  }

  issueMyKey(label: string): Promise<{ keyId: string; apiKey: string }> {
    return this.json('/api/me/keys', { method: 'POST', body: JSON.stringify({ label }), headers: { 'Content-Type': 'application/json' } });
  }

  async revokeMyKey(keyId: string): Promise<void> {
    await this.call(`/api/me/keys/${enc(keyId)}`, { method: 'DELETE' });
  }

  async waitCursor(): Promise<string> {
    return (await this.json<{ cursor: string }>('/api/wait/cursor')).cursor;
  }

  /** The first message of the account captured at or after `since`, or null when none came in time. */
  async waitForMail(since: string, timeoutSeconds: number, signal: AbortSignal): Promise<EmailMessage | null> {
    const response = await this.call(`/api/wait?${new URLSearchParams({ since, timeout: String(timeoutSeconds) })}`, { signal, headers: { Accept: 'application/json' } });
    return response.status === 204 ? null : ((await response.json()) as EmailMessage);
  }

  instance(): Promise<InstanceInfo> {
    return this.json('/ui/instance');
  }

  async markRead(email: string, id: string): Promise<void> {
    await this.call(`${paths.message(email, id)}/read/true`, { method: 'PUT' });
  }

  async getText(email: string, id: string): Promise<string> {
    return (await this.call(paths.text(email, id))).text();
  }

  async getRawSource(email: string, id: string): Promise<string> {
    return (await this.call(paths.raw(email, id))).text();
  }

  getHeaders(email: string, id: string): Promise<HeaderField[]> {
    return this.json(`${paths.message(email, id)}/headers?messageHeadersFormat=json-ordered`);
  }

  listAttachments(email: string, id: string): Promise<AttachmentInfo[]> {
    return this.json(`${paths.message(email, id)}/attachments`);
  }

  /** Bytes of a download route, for saving through a blob when the route needs the key. */
  async download(path: string): Promise<Blob> {
    return (await this.call(path)).blob();
  }

  me(): Promise<AccountInfo> {
    return this.json('/api/me');
  }

  listStarred(limit: number): Promise<EmailMessage[]> {
    return this.json(`/api/addresses/starred/messages?limit=${limit}`);
  }

  /** The account's private addresses and custom domains (Mailsac's CurrentUserStats). */
  ownedInboxes(): Promise<{ addresses: string[]; domains: string[] }> {
    return this.json('/api/me/stats');
  }

  async reserveAddress(email: string): Promise<void> {
    await this.call(`/api/addresses/${enc(email)}`, { method: 'POST' });
  }

  /** Releases a reserved address; its mail is kept (it becomes a public inbox again). */
  async releaseAddress(email: string): Promise<void> {
    await this.call(`/api/addresses/${enc(email)}?deleteAddressMessages=false`, { method: 'DELETE' });
  }

  listWebhooks(): Promise<Webhook[]> {
    return this.json('/api/webhooks');
  }

  createWebhook(webhook: { kind: WebhookKind; target?: string; url: string }): Promise<Webhook> {
    return this.json('/api/webhooks', { method: 'POST', body: JSON.stringify(webhook), headers: { 'Content-Type': 'application/json' } });
  }

  async deleteWebhook(id: string): Promise<void> {
    await this.call(`/api/webhooks/${enc(id)}`, { method: 'DELETE' });
  }

  listWebhookDeliveries(id: string, limit: number): Promise<WebhookDelivery[]> {
    return this.json(`/api/webhooks/${enc(id)}/deliveries?limit=${limit}`);
  }

  getSpamCheck(email: string, id: string): Promise<SpamCheck> {
    return this.json(`${paths.message(email, id)}/checks/spam`);
  }

  getHtmlCheck(email: string, id: string): Promise<HtmlCheck> {
    return this.json(`${paths.message(email, id)}/checks/html`);
  }

  /** Requests the message's links now (the server does, within its allowlist and time bound). */
  checkLinks(email: string, id: string): Promise<LinkCheck> {
    return this.json(`${paths.message(email, id)}/checks/links`);
  }

  listChaosRules(): Promise<ChaosRule[]> {
    return this.json('/api/admin/chaos');
  }

  addChaosRule(rule: ChaosRuleSpec): Promise<ChaosRule> {
    return this.json('/api/admin/chaos', { method: 'POST', body: JSON.stringify(rule), headers: { 'Content-Type': 'application/json' } });
  }

  async deleteChaosRule(id: string): Promise<void> {
    await this.call(`/api/admin/chaos/${enc(id)}`, { method: 'DELETE' });
  }

  /** Turns chaos off: every rule of this process goes, the standing ones too (until its next start). */
  async clearChaos(): Promise<number> {
    return (await this.json<{ deleted: number }>('/api/admin/chaos', { method: 'DELETE' })).deleted;
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set('Accept', 'application/json');
    return (await this.call(path, { ...init, headers })).json() as Promise<T>;
  }

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.apiKey) headers.set('Mailsac-Key', this.apiKey);
    let response: Response;
    try {
      response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
    } catch {
      throw new ApiError(0, 'Capturebox cannot be reached. Is the service running?');
    }
    if (!response.ok) {
      const body = await errorBody(response);
      throw new ApiError(response.status, describeFailure(response.status, body.message), body.validationErrors);
    }
    return response;
  }
}

/** Mailsac's error body, `{ message, validationErrors? }`, or nothing from anything else (a proxy's page, say). */
async function errorBody(response: Response): Promise<{ message: string; validationErrors: string[] }> {
  try {
    const body = (await response.json()) as { message?: unknown; validationErrors?: unknown };
    const validationErrors = Array.isArray(body.validationErrors) ? body.validationErrors.filter((reason): reason is string => typeof reason === 'string') : [];
    return { message: typeof body.message === 'string' ? body.message : '', validationErrors };
  } catch {
    return { message: '', validationErrors: [] };
  }
}

function describeFailure(status: number, detail: string): string {
  switch (status) {
    case 401:
      return detail || 'An API key is needed for this. Sign in first.';
    case 404:
      return 'Not found. It may have been deleted, or it is private: sign in with its owner\u2019s key.';
    case 502:
    case 503:
    case 504:
      return 'Capturebox is temporarily unavailable (storage or proxy). Try again in a moment.';
    default:
      return detail || `The request failed (HTTP ${status}).`;
  }
}
