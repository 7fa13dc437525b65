// Mailsac's mailstats: common attachments, top addresses, senders and domains, and the deny-list. Computed
// over public mail only (access/ leaves starred mail and every account's inboxes and domains out, in the
// store query), for every caller alike, an admin too. Mailsac answers with 401 without a key; so do we.
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { MailboxAccess } from '../access';
import { toEmailMessage } from '../views';
import type { PublicTallyKey, Tally } from '../store';
import { ApiOperation, contentResponse, mailsacResponses } from '../openapi';
import { DatedStatsQuerySchema, ListQuerySchema, Md5Param, parseListQuery, parseMd5, parseStatsQuery, StatsQuerySchema } from './api-input';
import { CurrentCaller, requireAccount, type Caller } from './caller';
import { Denylist } from './denylist';
import { sendDownloadable } from './send-body';

/** Any text: what is not on the list is not (Mailsac checks domains and IPs alike). */
const DomainOrIpParam = z.string().meta({ description: 'A domain or an IP address' });

/** Mailsac's `{ _id, n }` rows. */
const toCounted = (rows: Tally[]) => rows.map((row) => ({ _id: row.key, n: row.n }));

@Controller('api/mailstats')
export class MailstatsController {
  constructor(
    private readonly access: MailboxAccess,
    private readonly denylist: Denylist,
  ) {}

  @Get('common-attachments')
  @ApiOperation({ operationId: 'ListPublicAttachments', summary: 'The most common attachments of public mail in a period', query: DatedStatsQuerySchema, responses: mailsacResponses('ListPublicAttachments') })
  async commonAttachments(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    const page = parseStatsQuery(DatedStatsQuerySchema, query);
    return toCounted(await this.access.tallyPublicAttachments(requireAccount(caller), page));
  }

  @Get('common-attachments/:md5/count')
  @ApiOperation({ operationId: 'CountPublicAttachments', summary: 'How many public messages carry an attachment', params: { md5: Md5Param }, responses: mailsacResponses('CountPublicAttachments') })
  async countAttachment(@CurrentCaller() caller: Caller, @Param('md5') md5: string) {
    return { n: await this.access.countPublicWithAttachment(requireAccount(caller), parseMd5(md5)) };
  }

  /** Newest first; `limit` as on every listing (Mailsac documents none). */
  @Get('common-attachments/:md5')
  @ApiOperation({ operationId: 'ListMessagesForAttachment', summary: 'Public messages that carry an attachment', params: { md5: Md5Param }, query: ListQuerySchema, responses: mailsacResponses('ListMessagesForAttachment') })
  async messagesWithAttachment(@CurrentCaller() caller: Caller, @Param('md5') md5: string, @Query() query: Record<string, unknown>) {
    const { limit } = parseListQuery(query);
    return (await this.access.listPublicWithAttachment(requireAccount(caller), parseMd5(md5), limit)).map(toEmailMessage);
  }

  @Get('common-attachments/:md5/download')
  @ApiOperation({ operationId: 'DownloadPublicAttachment', summary: 'Download a public attachment', params: { md5: Md5Param }, responses: contentResponse('The content (Mailsac documents no media type)', 'application/octet-stream'), errors: ['not_found'] })
  async downloadAttachment(@CurrentCaller() caller: Caller, @Param('md5') md5: string, @Res() response: Response) {
    const attachment = await this.access.getPublicAttachment(requireAccount(caller), parseMd5(md5));
    sendDownloadable(response, 'application/octet-stream', attachment.content, '1', attachment.filename ?? `${attachment.md5}.bin`);
  }

  @Get('top-addresses')
  @ApiOperation({ operationId: 'ListTopPublicAddresses', summary: 'The public inboxes with the most mail', query: StatsQuerySchema, responses: mailsacResponses('ListTopPublicAddresses') })
  topAddresses(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.top(caller, 'inbox', query);
  }

  @Get('top-senders')
  @ApiOperation({ operationId: 'ListTopPublicSenders', summary: 'The senders of the most public mail', query: StatsQuerySchema, responses: mailsacResponses('ListTopPublicSenders') })
  topSenders(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.top(caller, 'sender', query);
  }

  @Get('top-domains')
  @ApiOperation({ operationId: 'ListTopPublicDomains', summary: 'The domains with the most public mail', query: StatsQuerySchema, responses: mailsacResponses('ListTopPublicDomains') })
  topDomains(@CurrentCaller() caller: Caller, @Query() query: Record<string, unknown>) {
    return this.top(caller, 'domain', query);
  }

  /** Mailsac's path still says blacklist; the list is the admin's CAPTUREBOX_DENYLIST. */
  @Get('blacklist')
  @ApiOperation({ operationId: 'Denylist', summary: "The deny-list (the admin's CAPTUREBOX_DENYLIST)", responses: mailsacResponses('Denylist') })
  listDenied(@CurrentCaller() caller: Caller) {
    requireAccount(caller);
    return this.denylist.entries;
  }

  @Get('blacklist/:domainOrIp')
  @ApiOperation({ operationId: 'CheckDenylist', summary: 'Whether a domain or IP is on the deny-list', params: { domainOrIp: DomainOrIpParam }, responses: mailsacResponses('CheckDenylist') })
  checkDenied(@CurrentCaller() caller: Caller, @Param('domainOrIp') domainOrIp: string) {
    requireAccount(caller);
    return { blacklisted: this.denylist.has(domainOrIp) };
  }

  private async top(caller: Caller, by: PublicTallyKey, query: Record<string, unknown>) {
    const page = parseStatsQuery(StatsQuerySchema, query);
    return toCounted(await this.access.tallyPublicMail(requireAccount(caller), by, page));
  }
}
