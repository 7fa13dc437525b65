// `GET /api/openapi.json`: the document, built once at start-up from every controller the app has.
import { Controller, Get, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiOperation } from './api-operation';
import { buildOpenApiDocument } from './openapi-document';
import { jsonResponse } from './responses';

/** The service's own package (apps/capture/package.json, in the image too): the document's version. */
const SERVICE_VERSION = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

@Controller('api')
export class OpenApiController implements OnModuleInit {
  private document: object = {};

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const controllers = this.discovery.getControllers().flatMap((wrapper) => (wrapper.metatype ? [wrapper.metatype as never] : []));
    this.document = buildOpenApiDocument(controllers, { version: SERVICE_VERSION });
  }

  @Get('openapi.json')
  @ApiOperation({
    operationId: 'GetOpenApiDocument',
    summary: "This document: Capturebox's OpenAPI 3.1 description of every route (no key needed)",
    responses: jsonResponse('The OpenAPI document', z.object({ openapi: z.literal('3.1.0') }).loose()),
  })
  openApiDocument(): object {
    return this.document;
  }
}
