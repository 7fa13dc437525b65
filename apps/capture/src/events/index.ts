export { EventsModule } from './events.module';
export { MessageEvents, type CapturedListener, type WatchedMail } from './message-events';
