// Mailsac's mailstats: common attachments, top addresses, senders and domains, and the deny-list. Computed
// over public mail only (access/ leaves starred mail and every account's inboxes and domains out, in the
// store query), for every caller alike, an admin too. Mailsac answers with 401 without a key; so do we.
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MailboxAccess } from '../access';
import { toEmailMessage } from '../views';
import type { PublicTallyKey, Tally } from '../store';
import { parseListQuery, parseMd5, parseStatsQuery } from './api-input';
import { CurrentCaller, requireAccount, type Caller } from './caller';
import { Denylist } from './denylist';
import { sendDownloadable } from './send-body';

/** Mailsac's `{ _id, n }` rows. */
const toCounted = (rows: Tally[]) => rows.map((row) => ({ _id: row.key, n: row.n }));

@Controller('api/mailstats')
export class MailstatsController {
  constructor(
    private readonly access: MailboxAccess,
    private readonly denylist: Denylist,
  ) {}

  @Get('common-attachments')
  async commonAttachments(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    const page = parseStatsQuery(query, { datesRequired: true });
    return toCounted(await this.access.tallyPublicAttachments(requireAccount(caller), page));
  }

  @Get('common-attachments/:md5/count')
  async countAttachment(@CurrentCaller() caller: Caller, @Param('md5') md5: string) {
    return { n: await this.access.countPublicWithAttachment(requireAccount(caller), parseMd5(md5)) };
  }

  /** Newest first; `limit` as on every listing (Mailsac documents none). */
  @Get('common-attachments/:md5')
  async messagesWithAttachment(@CurrentCaller() caller: Caller, @Param('md5') md5: string, @Query() query: Record<string, unknown>) {
    const { limit } = parseListQuery(query);
    return (await this.access.listPublicWithAttachment(requireAccount(caller), parseMd5(md5), limit)).map(toEmailMessage);
  }

  @Get('common-attachments/:md5/download')
  async downloadAttachment(@CurrentCaller() caller: Caller, @Param('md5') md5: string, @Res() response: Response) {
    const attachment = await this.access.getPublicAttachment(requireAccount(caller), parseMd5(md5));
    sendDownloadable(response, 'application/octet-stream', attachment.content, '1', attachment.filename ?? `${attachment.md5}.bin`);
  }

  @Get('top-addresses')
  topAddresses(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.top(caller, 'inbox', query);
  }

  @Get('top-senders')
  topSenders(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.top(caller, 'sender', query);
  }

  @Get('top-domains')
  topDomains(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.top(caller, 'domain', query);
  }

  /** Mailsac's path still says blacklist; the list is the admin's CAPTUREBOX_DENYLIST. */
  @Get('blacklist')
  listDenied(@CurrentCaller() caller: Caller) {
    requireAccount(caller);
    return this.denylist.entries;
  }

  @Get('blacklist/:domainOrIp')
  checkDenied(@CurrentCaller() caller: Caller, @Param('domainOrIp') domainOrIp: string) {
    requireAccount(caller);
    return { blacklisted: this.denylist.has(domainOrIp) };
  }

  private async top(caller: Caller, by: PublicTallyKey, query: Record<string, unknown>) {
    const page = parseStatsQuery(query, { datesRequired: false });
    return toCounted(await this.access.tallyPublicMail(requireAccount(caller), by, page));
  }
}
