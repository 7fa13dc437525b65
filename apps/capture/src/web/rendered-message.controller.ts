// GET /ui/render/:email/:id: a captured message's HTML as a standalone document, for the message view's
// sandboxed frame only (see ui-security-headers.ts and render-message-html.ts). Errors are small HTML
// pages under the same headers, since the frame shows whatever comes back.
import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { KeyRequiredToRead, MailboxAccess, MailNotFound, type Reader } from '../access';
import { AccountsService } from '../accounts';
import type { StoredMessage } from '../domain';
import { escapeHtml, isSafeInlineImageType, renderMessageDocument, type InlineImage } from './render-message-html';
import { resolveUiAccount } from './ui-caller';
import { ApiOperation, contentResponse } from '../openapi';
import { InboxParam, MessageIdParam, parseInbox, parseMessageId } from './ui-input';
import { setRenderedMessageHeaders } from './ui-security-headers';

/** Inline images above this (all together) stay as `cid:` references rather than bloat the document. */
const MAX_INLINE_IMAGE_BYTES = 5 * 1024 * 1024;

const RenderQuerySchema = z.object({ images: z.string().optional().meta({ description: '`1` loads remote images' }) });

@Controller('ui/render')
export class RenderedMessageController {
  constructor(
    private readonly access: MailboxAccess,
    private readonly accounts: AccountsService,
  ) {}

  @Get(':email/:id')
  @ApiOperation({ operationId: 'UiRenderMessage', summary: "The web UI's sandboxed frame: a message's HTML as a document (UI cookie or key)", params: { email: InboxParam, id: MessageIdParam }, query: RenderQuerySchema, responses: contentResponse('The message as an HTML document (an error is a small HTML page too)', 'text/html') })
  async render(
    @Param('email') email: string,
    @Param('id') id: string,
    @Query('images') images: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const inbox = parseInbox(email);
    const messageId = parseMessageId(id);
    const account = await resolveUiAccount(request, this.accounts);
    const scriptNonce = setRenderedMessageHeaders(response, images === '1');
    try {
      const message = await this.access.getMessage(account, inbox, messageId);
      const body = await this.access.getBody(account, inbox, messageId);
      response.status(200).send(renderMessageDocument(body, { inlineImages: await this.inlineImagesOf(account, message), scriptNonce }));
    } catch (error) {
      // As on the API: 401 only when anonymous reading is off; a private message is simply not there.
      if (error instanceof KeyRequiredToRead) response.status(401).send(notice('Sign in to read this inbox.'));
      else if (error instanceof MailNotFound) response.status(404).send(notice('This message does not exist.'));
      else throw error;
    }
  }

  private async inlineImagesOf(reader: Reader, message: StoredMessage): Promise<Map<string, InlineImage>> {
    const images = new Map<string, InlineImage>();
    let total = 0;
    for (const meta of message.attachments) {
      if (!meta.contentId || !isSafeInlineImageType(meta.contentType)) continue;
      if (total + meta.size > MAX_INLINE_IMAGE_BYTES) continue;
      const attachment = await this.access.getAttachment(reader, message.inbox, message.id, meta.md5).catch((error: unknown) => {
        if (error instanceof MailNotFound) return null;
        throw error;
      });
      if (!attachment) continue;
      total += attachment.content.length;
      images.set(meta.contentId.replace(/^<|>$/g, ''), { contentType: meta.contentType, content: attachment.content });
    }
    return images;
  }
}

function notice(text: string): string {
  return `<!doctype html><meta charset="utf-8"><p style="font:14px system-ui,sans-serif;color:#666;padding:12px">${escapeHtml(text)}</p>`;
}
