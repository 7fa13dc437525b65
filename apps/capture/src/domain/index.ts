// Plain data and rules shared by every module: the captured-message model, mailbox syntax and inbox
// naming, message ids. No I/O, and it imports nothing of ours.
export {
  MESSAGE_FOLDERS,
  type AttachmentContent,
  type AttachmentMeta,
  type CapturedMail,
  type Envelope,
  type HeaderLine,
  type MailAddress,
  type MessageFolder,
  type SessionFacts,
  type StoredMessage,
} from './captured-message';
export { domainOf, inboxOf, isValidDomain, isValidMailbox, normalizeDomain } from './mailbox';
export { isMessageId, MESSAGE_ID } from './message-id';
export { DomainList } from './domain-list';
export { spamProbability, type SpamVerdict } from './spam-verdict';
