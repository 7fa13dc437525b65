// Success responses for ApiOperation: Capturebox's own from zod schemas, Mailsac's from its document.
import { z } from 'zod';
import type { JsonSchema, ResponseMap } from './api-operation';
import { mailsacSuccessResponses } from './mailsac-schemas';

/** A zod schema as the JSON Schema of what is sent (its output). */
export function outputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12' }) as JsonSchema;
  return json;
}

/** A zod schema as the JSON Schema of what is accepted (its input: before defaults and transforms). */
export function inputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema;
  return json;
}

export function jsonResponse(description: string, schema: z.ZodType | JsonSchema, status = 200): ResponseMap {
  const json = schema instanceof z.ZodType ? outputSchema(schema) : schema;
  return { [status]: { description, content: { 'application/json': { schema: json } } } };
}

/** A body of one media type that is not JSON (text, HTML, a download). */
export function contentResponse(description: string, mediaType: string, status = 200): ResponseMap {
  const schema = mediaType === 'application/octet-stream' ? { type: 'string', format: 'binary' } : { type: 'string' };
  return { [status]: { description, content: { [mediaType]: { schema } } } };
}

export function noContent(description: string): ResponseMap {
  return { 204: { description } };
}

/** Mailsac's documented success responses of one of its operations (with the errata applied). */
export function mailsacResponses(operationId: string): ResponseMap {
  return mailsacSuccessResponses(operationId);
}
