// The request and response types of one operation, by its operationId, read from the generated document types.
import type { operations } from './generated/openapi';

export type OperationId = keyof operations;
type Responses<Op extends OperationId> = operations[Op]['responses'];
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The JSON body of an operation's success answer (200, else 201). */
export type Answer<Op extends OperationId> = 200 extends keyof Responses<Op> ? JsonOf<Responses<Op>[200]> : 201 extends keyof Responses<Op> ? JsonOf<Responses<Op>[201]> : never;

/** An operation's query parameters. */
export type QueryOf<Op extends OperationId> = operations[Op]['parameters'] extends { query?: infer Q } ? NonNullable<Q> : never;

/** An operation's JSON request body. */
export type BodyOf<Op extends OperationId> = operations[Op] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
