import { Module } from '@nestjs/common';
import { AccessModule } from '../access';
import { AccountsModule } from '../accounts';
import { SmtpModule } from '../smtp';
import { InboxEventStreams } from './inbox-event-streams';
import { InboxEventsController } from './inbox-events.controller';
import { RenderedMessageController } from './rendered-message.controller';
import { UiAssets } from './ui-assets';
import { UiInstanceController } from './ui-instance.controller';
import { UiPagesController } from './ui-pages.controller';
import { UiSessionController } from './ui-session.controller';

/** The web UI: its pages and assets, the live inbox stream, the sandboxed message rendering, the UI session, the instance's sending facts. */
@Module({
  imports: [AccountsModule, AccessModule, SmtpModule],
  controllers: [UiPagesController, InboxEventsController, RenderedMessageController, UiSessionController, UiInstanceController],
  providers: [InboxEventStreams, { provide: UiAssets, useFactory: () => new UiAssets() }],
})
export class WebModule {}
