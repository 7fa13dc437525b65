export { PushModule } from './push.module';
export { IncomingMessagesSocket } from './incoming-messages.socket';
export { INCOMING_MESSAGES_PATH } from './incoming-messages-request';
export { PushedMessages, type PushedEmailMessage } from './pushed-messages';
