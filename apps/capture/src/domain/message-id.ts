// Mailsac message ids are `<queueId>-<n>`: the queue id of the SMTP transaction and the recipient's index.
export const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}-\d{1,4}$/;

export function isMessageId(value: string): boolean {
  return MESSAGE_ID.test(value);
}
