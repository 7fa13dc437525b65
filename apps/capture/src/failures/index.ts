export {
  FAILURES,
  REJECTION_REASONS,
  failureNameOf,
  httpStatusText,
  metricOfEngineReply,
  smtpRow,
  type FailureName,
  type HttpFailure,
  type NamedFailure,
  type RejectionReason,
  type SmtpFailure,
  type SmtpReplyRow,
} from './failure-table';
export { httpFailureOf, type HttpFailureReply } from './http-failure';
