export { CaptureboxClient, AdminApi } from './client';
export type { CaptureboxClientOptions, EmailMessage, MessageCodes, WaitConditions, CodeConditions, LinkConditions } from './client';
export * from './errors';
export type { Answer, BodyOf, QueryOf, OperationId } from './operation-types';
export type { paths, components, operations } from './generated/openapi';
