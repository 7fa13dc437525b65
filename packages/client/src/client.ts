// Capturebox's REST API, typed from its own OpenAPI document (generated/openapi.ts). Each method is one
// route; the waits loop the server's long-poll (never polling the inbox) from one fixed cursor, so a
// message stored between "send" and "wait" is found, and one stored later answers the moment it is.
import { CaptureboxWaitTimeoutError } from './errors';
import { Http, segment, type HttpOptions, type QueryValues } from './http';
import type { Answer, BodyOf, QueryOf } from './operation-types';
import type { components } from './generated/openapi';

export type EmailMessage = components['schemas']['EmailMessage'];
export type MessageCodes = Answer<'GetMessageCodes'>;

/** The longest one wait request may last on the server (`timeout` at most 120 s); longer waits ask again. */
const MAX_SERVER_WAIT_SECONDS = 120;
const DEFAULT_WAIT_SECONDS = 30;

export interface WaitConditions {
  /** The inbox (a whole address) to wait in; without it, all of the key's account mail (`GET /api/wait`). */
  to?: string;
  /** Parts of the From address, the subject, the body's text or HTML (case-insensitive), and a search. */
  from?: string;
  subject?: string;
  text?: string;
  query?: string;
  /**
   * Only mail stored after this cursor (`cursor()`, taken before your app sends) or time. Without it, a
   * matching message stored at any time counts.
   */
  after?: string | Date;
  /** How long to wait in all, in seconds (default 30). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface CodeConditions extends WaitConditions {
  /** Your own JavaScript regular expression instead of the heuristic (its first group, if it has one). */
  pattern?: string;
  flags?: string;
}

export interface LinkConditions extends WaitConditions {
  /** The first link containing this text or matching this expression; the first link otherwise. */
  matching?: string | RegExp;
}

export type CaptureboxClientOptions = HttpOptions;

export class CaptureboxClient {
  private readonly http: Http;
  /** The admin API (the admin key's account only). */
  readonly admin: AdminApi;

  constructor(options: CaptureboxClientOptions) {
    this.http = new Http(options);
    this.admin = new AdminApi(this.http);
  }

  // Reading

  listMessages(inbox: string, query: QueryOf<'ListMessages'> = {}) {
    return this.http.json<Answer<'ListMessages'>>('GET', `/api/addresses/${segment(inbox)}/messages`, { query: query as QueryValues });
  }

  countMessages(inbox: string) {
    return this.http.json<Answer<'CountMessages'>>('GET', `/api/addresses/${segment(inbox)}/message-count`);
  }

  getMessage(inbox: string, id: string) {
    return this.http.json<Answer<'GetMessageMetadata'>>('GET', `/api/addresses/${segment(inbox)}/messages/${segment(id)}`);
  }

  /** The raw RFC 5322 source, Capturebox's Received: line first. */
  raw(inbox: string, id: string) {
    return this.http.text(`/api/raw/${segment(inbox)}/${segment(id)}`);
  }

  text(inbox: string, id: string) {
    return this.http.text(`/api/text/${segment(inbox)}/${segment(id)}`);
  }

  /** The HTML body, sanitized. */
  html(inbox: string, id: string) {
    return this.http.text(`/api/body/${segment(inbox)}/${segment(id)}`);
  }

  listStarred(query: QueryOf<'ListStarredMessages'> = {}) {
    return this.http.json<Answer<'ListStarredMessages'>>('GET', '/api/addresses/starred/messages', { query: query as QueryValues });
  }

  /** All of the account's mail (an admin's: all mail), newest first. */
  accountInbox(query: QueryOf<'ListInboxMessages'> = {}) {
    return this.http.json<Answer<'ListInboxMessages'>>('GET', '/api/inbox', { query: query as QueryValues });
  }

  /** The account's mail (an admin's: all mail) matching a search (README "Searching mail"), newest first. */
  search(query: string, page: Omit<QueryOf<'SearchMessages'>, 'query'> = {}) {
    return this.http.json<Answer<'SearchMessages'>>('GET', '/api/search', { query: { ...page, query } as QueryValues });
  }

  // Codes and links

  codes(inbox: string, id: string, pattern: { pattern?: string; flags?: string } = {}) {
    return this.http.json<MessageCodes>('GET', `/api/addresses/${segment(inbox)}/messages/${segment(id)}/codes`, { query: pattern });
  }

  // Waiting

  /** The server's clock now: take it before your app sends, and pass it as `after`. */
  async cursor(): Promise<string> {
    return (await this.http.json<Answer<'GetWaitCursor'>>('GET', '/api/wait/cursor')).cursor;
  }

  /** The first message since `after` that matches; a CaptureboxWaitTimeoutError when none came in time. */
  async waitForMessage(conditions: WaitConditions): Promise<EmailMessage> {
    const { to, after, timeoutSeconds = DEFAULT_WAIT_SECONDS, signal, from, subject, text, query } = conditions;
    const path = to ? `/api/addresses/${segment(to)}/wait` : '/api/wait';
    const since = after instanceof Date ? after.toISOString() : after;
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
      // Whole seconds are not needed: the server takes a fraction, so the last ask ends at the deadline.
      const left = Math.max(0, Math.min(MAX_SERVER_WAIT_SECONDS, (deadline - Date.now()) / 1000));
      const response = await this.http.send('GET', path, { query: { since, from, subject, text, query, timeout: left.toFixed(3) }, signal });
      if (response.status === 200) return (await response.json()) as EmailMessage;
      await response.body?.cancel();
      if (Date.now() >= deadline) throw new CaptureboxWaitTimeoutError(shownConditions(conditions), timeoutSeconds);
    }
  }

  /** Waits for the message, then its best one-time code (or your pattern's first match). */
  async waitForCode(conditions: CodeConditions): Promise<string> {
    const { pattern, flags, ...wait } = conditions;
    const message = await this.waitForMessage(wait);
    const { codes } = await this.codes(inboxOf(message, wait.to), message._id!, { pattern, flags });
    if (codes.length === 0) throw new Error(`message ${message._id} ("${message.subject}") has no code`);
    return codes[0].value;
  }

  /** Waits for the message, then its first link (containing or matching `matching`, when given). */
  async waitForLink(conditions: LinkConditions): Promise<string> {
    const { matching, ...wait } = conditions;
    const message = await this.waitForMessage(wait);
    const { links } = await this.codes(inboxOf(message, wait.to), message._id!);
    const found = links.find((link) => matching === undefined || (typeof matching === 'string' ? link.includes(matching) : matching.test(link)));
    if (found === undefined) throw new Error(`message ${message._id} ("${message.subject}") has no link${matching === undefined ? '' : ` matching ${matching}`}`);
    return found;
  }

  // Organising (the key's account)

  /** Stars the message, or unstars a starred one (Mailsac's toggle). */
  toggleStar(inbox: string, id: string) {
    return this.http.json<Answer<'ToggleMessageStar'>>('PUT', `${messagePath(inbox, id)}/star`);
  }

  addLabel(inbox: string, id: string, label: string) {
    return this.http.json<Answer<'AddMessageLabel'>>('PUT', `${messagePath(inbox, id)}/labels/${segment(label)}`);
  }

  removeLabel(inbox: string, id: string, label: string) {
    return this.http.json<Answer<'DeleteMessageLabel'>>('DELETE', `${messagePath(inbox, id)}/labels/${segment(label)}`);
  }

  moveToFolder(inbox: string, id: string, folder: string) {
    return this.http.json<Answer<'SetMessageFolder'>>('PUT', `${messagePath(inbox, id)}/folder/${segment(folder)}`);
  }

  markRead(inbox: string, id: string, read = true) {
    return this.http.json<Answer<'SetMessageReadStatus'>>('PUT', `${messagePath(inbox, id)}/read/${read}`);
  }

  deleteMessage(inbox: string, id: string) {
    return this.http.json<Answer<'DeleteMessage'>>('DELETE', messagePath(inbox, id));
  }

  /** Deletes the inbox's messages; starred ones are kept. */
  async deleteAllMessages(inbox: string): Promise<void> {
    await this.http.send('DELETE', `/api/addresses/${segment(inbox)}/messages`);
  }
}

export class AdminApi {
  constructor(private readonly http: Http) {}

  listAccounts() {
    return this.http.json<Answer<'AdminListAccounts'>>('GET', '/api/admin/accounts');
  }

  /** A new account and its first API key (shown once). */
  createAccount(account: BodyOf<'AdminCreateAccount'>) {
    return this.http.json<Answer<'AdminCreateAccount'>>('POST', '/api/admin/accounts', { body: account });
  }

  getAccount(username: string) {
    return this.http.json<Answer<'AdminGetAccount'>>('GET', `/api/admin/accounts/${segment(username)}`);
  }

  updateAccount(username: string, changes: BodyOf<'AdminUpdateAccount'>) {
    return this.http.json<Answer<'AdminUpdateAccount'>>('PUT', `/api/admin/accounts/${segment(username)}`, { body: changes });
  }

  deleteAccount(username: string) {
    return this.http.json<Answer<'AdminDeleteAccount'>>('DELETE', `/api/admin/accounts/${segment(username)}`);
  }

  issueKey(username: string, key: BodyOf<'AdminIssueKey'> = {}) {
    return this.http.json<Answer<'AdminIssueKey'>>('POST', `/api/admin/accounts/${segment(username)}/keys`, { body: key });
  }

  revokeKey(username: string, keyId: string) {
    return this.http.json<Answer<'AdminRevokeKey'>>('DELETE', `/api/admin/accounts/${segment(username)}/keys/${segment(keyId)}`);
  }

  addDomain(username: string, domain: string) {
    return this.http.json<Answer<'AdminAddDomain'>>('POST', `/api/admin/accounts/${segment(username)}/domains`, { body: { domain } });
  }

  removeDomain(username: string, domain: string) {
    return this.http.json<Answer<'AdminRemoveDomain'>>('DELETE', `/api/admin/accounts/${segment(username)}/domains/${segment(domain)}`);
  }
}

const messagePath = (inbox: string, id: string) => `/api/addresses/${segment(inbox)}/messages/${segment(id)}`;

/** The inbox a found message is read from: the one waited in, else the message's own. */
function inboxOf(message: EmailMessage, waitedIn: string | undefined): string {
  return waitedIn ?? message.inbox ?? '';
}

/** The conditions as the timeout's message shows them (no signal, no timeout: the message says it). */
function shownConditions(conditions: WaitConditions): object {
  const { signal: _signal, timeoutSeconds: _timeout, ...shown } = conditions;
  return shown;
}
