import { Module } from '@nestjs/common';
import { AccessModule } from '../access';
import { EventsModule } from '../events';
import { MessageWaits } from './message-waits.service';

@Module({
  imports: [AccessModule, EventsModule],
  providers: [MessageWaits],
  exports: [MessageWaits],
})
export class WaitingModule {}
