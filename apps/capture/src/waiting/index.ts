export { WaitingModule } from './waiting.module';
export { MessageWaits, TooManyWaits, type WaitRequest } from './message-waits.service';
export { ReplicaFeed } from './replica-feed';
