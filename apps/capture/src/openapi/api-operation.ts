// How a route describes itself: `@ApiOperation({...})` on the handler, beside its `@Get`/`@Post`. Its
// input schemas are the zod schemas the handler's parse functions validate with (api/api-input.ts and
// the controllers' own), so what the document says a route takes is what the route checks; the
// document (openapi-document.ts) is built from these and refuses a route that has none.
import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import type { HttpFailure } from '../failures';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses) or a `$ref` into the document's components. */
export type JsonSchema = Record<string, unknown>;

/** An OpenAPI Response object (or a `$ref` to one). */
export type ResponseObject = Record<string, unknown>;

/** Success responses by status. */
export type ResponseMap = Record<number, ResponseObject>;

export interface ApiOperationSpec {
  /** Mailsac's operationId for Mailsac's routes; Capturebox's own otherwise. */
  operationId: string;
  summary: string;
  /** Every `:name` of the route's path, by name (the document refuses a mismatch). */
  params?: Record<string, z.ZodType>;
  /** The query parameters: an object schema whose keys are the parameters. */
  query?: z.ZodObject;
  /** The JSON request body. */
  body?: z.ZodType;
  /** The success responses (jsonResponse, mailsacResponses, ...). */
  responses: ResponseMap;
  /**
   * Refusals by the error table's rows, beyond those the document adds to every route (auth_required:
   * an unknown key; store_unavailable) and bad_request for a route that takes input.
   */
  errors?: HttpFailure[];
}

export const API_OPERATION = 'capturebox:api-operation';

export const ApiOperation = (spec: ApiOperationSpec): MethodDecorator => SetMetadata(API_OPERATION, spec);

export function apiOperationOf(handler: object): ApiOperationSpec | undefined {
  return Reflect.getMetadata(API_OPERATION, handler) as ApiOperationSpec | undefined;
}
