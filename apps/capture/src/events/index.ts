export { EventsModule } from './events.module';
export { MessageEvents, type CapturedListener } from './message-events';
