// Ingest: turns an accepted SMTP transaction into the captured mail and its per-recipient copies.
// receive -> trace line -> parse -> extract links -> route to inboxes -> apply privacy -> store
// (CaptureService runs them).
export { IngestModule } from './ingest.module';
export { CaptureService, type CaptureRequest, type CaptureResult } from './capture.service';
export { applyCapturePrivacy, type CapturingAccount } from './apply-capture-privacy';
export { runCapturePipeline, type CapturePipelineResult } from './capture-pipeline';
export { buildCapturedMail, type CaptureInput } from './build-captured-mail';
export { receivedTraceLine, withReceivedTraceLine } from './received-trace-line';
export { parseMail, type ParsedMail } from './parse-mail';
export { extractLinks, MAX_LINKS, MAX_LINK_LENGTH } from './extract-links';
export { routeToInboxes } from './route-to-inboxes';
export { newQueueId } from './queue-id';
export { MessageLimitReached } from './private-mail-limits';
