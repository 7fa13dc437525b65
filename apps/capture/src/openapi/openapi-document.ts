// Capturebox's OpenAPI 3.1 document, built from the controllers themselves: each handler's route (Nest's
// metadata) and its @ApiOperation (input schemas the handler validates with, success responses, error
// rows). A route without a description, or whose description does not fit its route (a path parameter
// not declared, a query or body the handler reads but the description leaves out), is refused here, so
// the app does not start and no test passes: the document cannot drift from the routes.
import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { FAILURES, httpStatusText, type HttpFailure } from '../failures';
import { apiOperationOf, type ApiOperationSpec, type JsonSchema } from './api-operation';
import { CAPTUREBOX_DEVIATIONS, MAILSAC_ERRATA, MAILSAC_SOURCE, mailsacComponentResponses, mailsacComponentSchemas, mailsacSecuritySchemes } from './mailsac-schemas';
import { inputSchema } from './responses';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface DocumentInfo {
  version: string;
}

/** Every route may answer these: an unknown key (the global guard) and a store that is down. */
const EVERY_ROUTE: HttpFailure[] = ['auth_required', 'store_unavailable'];

export class OpenApiDocumentError extends Error {}

export function buildOpenApiDocument(controllers: Type[], info: DocumentInfo): Json {
  const paths: Json = {};
  const operationIds = new Set<string>();
  for (const route of routesOf(controllers)) {
    const spec = apiOperationOf(route.handler);
    if (!spec) throw new OpenApiDocumentError(`${route.where} (${route.method} ${route.paths.join(', ')}) has no @ApiOperation`);
    checkFits(spec, route);
    route.paths.forEach((path, index) => {
      const operationId = index === 0 ? spec.operationId : `${spec.operationId}${index + 1}`;
      if (operationIds.has(operationId)) throw new OpenApiDocumentError(`${route.where}: operationId ${operationId} is used twice`);
      operationIds.add(operationId);
      const openApiPath = path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      paths[openApiPath] = { ...paths[openApiPath], [route.method.toLowerCase()]: operation(spec, operationId, pathParams(path)) };
    });
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Capturebox',
      version: info.version,
      description: description(),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    // A key is optional on most routes (anonymous callers read public mail); a route that needs one says 401.
    security: [{}, { APIKeyHeader: [] }, { APIKeyQueryParam: [] }],
    paths,
    components: { securitySchemes: mailsacSecuritySchemes(), schemas: mailsacComponentSchemas(), responses: mailsacComponentResponses() },
  };
}

function description(): string {
  return [
    "Capturebox's REST API: Mailsac's routes (Mailsac's operationIds and response schemas, from",
    `${MAILSAC_SOURCE}) and Capturebox's own (waits, codes, the admin API, the web UI's, health and metrics).`,
    "Errors are Mailsac's ErrorResponseBody `{ error, message }` (and `validationErrors` for invalid input).",
    '',
    "Errata applied to Mailsac's schemas, where its document contradicts itself:",
    ...MAILSAC_ERRATA.map((erratum, index) => `${index + 1}. ${erratum}`),
    '',
    "Where Capturebox deliberately answers otherwise than Mailsac's document says:",
    ...CAPTUREBOX_DEVIATIONS.map((deviation, index) => `${index + 1}. ${deviation}`),
  ].join('\n');
}

function operation(spec: ApiOperationSpec, operationId: string, inPath: string[]): Json {
  const parameters = [
    ...inPath.map((name) => ({ name, in: 'path', required: true, schema: inputSchema(spec.params![name]) })),
    ...queryParameters(spec),
  ];
  const errors = new Set<HttpFailure>([...EVERY_ROUTE, ...(parameters.length > 0 || spec.body ? (['bad_request'] as const) : []), ...(spec.errors ?? [])]);
  const responses: Json = {};
  for (const [status, response] of Object.entries(spec.responses)) responses[status] = response;
  for (const failure of errors) {
    const status = FAILURES[failure].http.status;
    responses[status] = {
      description: httpStatusText(status),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseBody' } } },
    };
  }
  return {
    operationId,
    summary: spec.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.body ? { requestBody: { content: { 'application/json': { schema: inputSchema(spec.body) } } } } : {}),
    responses,
  };
}

function queryParameters(spec: ApiOperationSpec): Json[] {
  if (!spec.query) return [];
  const object = inputSchema(spec.query) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: (object.required ?? []).includes(name), schema }));
}

interface Route {
  where: string;
  handler: object;
  method: string;
  paths: string[];
  /** What the handler reads: path parameter and query names, whole query, body. */
  reads: { params: string[]; query: string[]; wholeQuery: boolean; body: boolean };
}

function routesOf(controllers: Type[]): Route[] {
  const routes: Route[] = [];
  for (const controller of controllers) {
    const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[];
    const prototype = controller.prototype as Record<string, object>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name === 'constructor') continue;
      const handler = prototype[name];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const own = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (method === undefined || own === undefined || typeof handler !== 'function') continue;
      const bases = Array.isArray(base) ? base : [base];
      const paths = bases.flatMap((b) => (Array.isArray(own) ? own : [own]).map((p) => joinPath(b, p)));
      routes.push({ where: `${controller.name}.${name}`, handler, method: RequestMethod[method], paths, reads: readsOf(controller, name) });
    }
  }
  return routes;
}

function readsOf(controller: Type, method: string): Route['reads'] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { data?: unknown }>;
  const reads: Route['reads'] = { params: [], query: [], wholeQuery: false, body: false };
  for (const [key, { data }] of Object.entries(args)) {
    const type = Number(key.split(':')[0]);
    if (type === RouteParamtypes.PARAM && typeof data === 'string') reads.params.push(data);
    if (type === RouteParamtypes.QUERY) typeof data === 'string' ? reads.query.push(data) : (reads.wholeQuery = true);
    if (type === RouteParamtypes.BODY) reads.body = true;
  }
  return reads;
}

/** The description must name every path parameter and every input the handler reads, and nothing else. */
function checkFits(spec: ApiOperationSpec, route: Route): void {
  const refuse = (why: string) => {
    throw new OpenApiDocumentError(`${route.where} (${route.method} ${route.paths.join(', ')}): ${why}`);
  };
  const inPaths = new Set(route.paths.flatMap(pathParams));
  const declared = Object.keys(spec.params ?? {});
  for (const name of inPaths) if (!declared.includes(name)) refuse(`path parameter ${name} is not described`);
  for (const name of declared) if (!inPaths.has(name)) refuse(`described path parameter ${name} is not in the path`);
  for (const name of route.reads.params) if (!inPaths.has(name)) refuse(`reads path parameter ${name}, which is not in the path`);
  const queryKeys = Object.keys(spec.query?.shape ?? {});
  for (const name of route.reads.query) if (!queryKeys.includes(name)) refuse(`reads query parameter ${name}, which is not described`);
  if (route.reads.wholeQuery && !spec.query) refuse('reads the query, which is not described');
  if (route.reads.body && !spec.body) refuse('reads a body, which is not described');
  if (Object.keys(spec.responses).length === 0) refuse('describes no success response');
}

const pathParams = (path: string): string[] => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]);

const joinPath = (...parts: string[]): string => `/${parts.map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
