import { Module } from '@nestjs/common';
import { AccessModule } from '../access';
import { EventsModule } from '../events';
import { MessageWaits } from './message-waits.service';
import { ReplicaFeed } from './replica-feed';

@Module({
  imports: [AccessModule, EventsModule],
  providers: [MessageWaits, ReplicaFeed],
  exports: [MessageWaits],
})
export class WaitingModule {}
