// Mailsac's JSON shapes of captured mail: what the REST API answers and what every push (the live inbox
// stream, WebSocket frames, later webhooks) carries, so a summary looks the same wherever it is read.
export * from './email-message.view';
export * from './message-codes.view';
export * from './message-checks.view';
