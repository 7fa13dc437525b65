// The web UI's pages and bundled assets. Every client-side route of the single-page app answers with
// index.html (never cached, so a new build shows at once); assets have content-hashed names and are
// cached for a year. Only these paths are taken: /api, /healthz, /readyz, /metrics and /ui stay as they are.
import { Controller, Get, NotFoundException, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { ASSET_FILE_NAME, UI_ASSETS_DIR, UiAssets } from './ui-assets';
import { setAppPageHeaders } from './ui-security-headers';
import { ApiOperation, contentResponse } from '../openapi';

/** The app's pages and assets take any text here: the page reads it, an unknown asset is a 404. */
const PageText = z.string();

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

@Controller()
export class UiPagesController {
  constructor(private readonly assets: UiAssets) {}

  /** The single-page app's own routes (web-ui/src/routing.tsx); anything else stays a 404. */
  @Get(['/', 'inbox/:email', 'inbox/:email/:id', 'account', 'webhooks', 'search', 'chaos'])
  @ApiOperation({ operationId: 'UiPage', summary: "The web UI's single-page app (index.html)", params: { email: PageText, id: PageText }, responses: contentResponse('The app', 'text/html') })
  app(@Res() response: Response): void {
    if (this.assets.indexHtml === null) throw new ServiceUnavailableException('The web UI is not built (npm run build).');
    setAppPageHeaders(response);
    response.setHeader('Cache-Control', 'no-cache');
    response.type('html').send(this.assets.indexHtml);
  }

  @Get('assets/:file')
  @ApiOperation({ operationId: 'UiAsset', summary: "One of the web UI's content-hashed assets", params: { file: PageText }, responses: contentResponse('The asset (script, style sheet, font...)', '*/*'), errors: ['not_found'] })
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (!ASSET_FILE_NAME.test(file)) throw new NotFoundException('No such asset.');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.sendFile(file, { root: UI_ASSETS_DIR, maxAge: ONE_YEAR_MS, immutable: true, dotfiles: 'deny' }, (error?: Error) => {
      if (error && !response.headersSent) response.status(404).json({ error: 'Not Found', message: 'No such asset.' });
    });
  }
}
