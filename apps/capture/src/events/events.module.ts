import { Global, Module } from '@nestjs/common';
import { MessageEvents } from './message-events';

@Global()
@Module({ providers: [MessageEvents], exports: [MessageEvents] })
export class EventsModule {}
