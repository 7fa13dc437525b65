export { ApiOperation, apiOperationOf, type ApiOperationSpec, type ResponseMap } from './api-operation';
export { contentResponse, jsonResponse, mailsacResponses, noContent } from './responses';
export { buildOpenApiDocument, OpenApiDocumentError } from './openapi-document';
export { OpenApiModule } from './openapi.module';
