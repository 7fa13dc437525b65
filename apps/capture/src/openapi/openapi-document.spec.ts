import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { ApiOperation } from './api-operation';
import { buildOpenApiDocument, OpenApiDocumentError } from './openapi-document';
import { jsonResponse, mailsacResponses } from './responses';

const Limit = z.object({ limit: z.coerce.number().int().min(0).default(20), until: z.string().optional() });
const Ok = jsonResponse('ok', z.object({ ok: z.boolean() }));

@Controller('api/things')
class DescribedController {
  @Get(':thing')
  @ApiOperation({ operationId: 'GetThing', summary: 'One thing', params: { thing: z.string().meta({ format: 'email' }) }, query: Limit, responses: Ok, errors: ['not_found'] })
  get(@Param('thing') thing: string, @Query() query: unknown) {
    return { thing, query };
  }

  @Post()
  @ApiOperation({ operationId: 'ListMessages', summary: 'Mailsac-shaped', body: z.object({ name: z.string() }).strict(), responses: mailsacResponses('ListMessages') })
  create(@Body() body: unknown) {
    return body;
  }
}

const build = (...controllers: unknown[]) => buildOpenApiDocument(controllers as never, { version: '0.0.0' });

describe('the OpenAPI document', () => {
  test('describes each route from its @ApiOperation: parameters, body, success and error responses', () => {
    const document = build(DescribedController);
    assert.equal(document.openapi, '3.1.0');
    const get = document.paths['/api/things/{thing}'].get;
    assert.equal(get.operationId, 'GetThing');
    assert.deepEqual(
      get.parameters.map((p: { name: string; in: string; required: boolean }) => [p.name, p.in, p.required]),
      [
        ['thing', 'path', true],
        ['limit', 'query', false],
        ['until', 'query', false],
      ],
    );
    assert.deepEqual(get.parameters[0].schema, { type: 'string', format: 'email' });
    assert.deepEqual(get.parameters[1].schema, { default: 20, type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
    // 200 from the description; 400 (it takes input), 401 and 503 (every route), 404 as asked, by the error table.
    assert.deepEqual(Object.keys(get.responses).sort(), ['200', '400', '401', '404', '503']);
    assert.deepEqual(get.responses[404].content['application/json'].schema, { $ref: '#/components/schemas/ErrorResponseBody' });
    const post = document.paths['/api/things'].post;
    assert.equal(post.requestBody.content['application/json'].schema.additionalProperties, false);
    assert.deepEqual(post.responses[200].content['application/json'].schema, { $ref: '#/components/schemas/EmailMessageList' });
    assert.ok(document.components.schemas.EmailMessageList, "Mailsac's component schemas are in the document");
  });

  test("applies the errata to Mailsac's schemas and lists them in the description", () => {
    const document = build(DescribedController);
    assert.equal(document.components.schemas.Date.format, 'date-time');
    assert.deepEqual(document.components.schemas.EmailMessage.properties.savedBy.type, ['string', 'null']);
    assert.equal(document.components.schemas.EmailAddressIntegrity.properties.email.format, undefined);
    assert.match(document.info.description, /Errata/);
    // Capturebox's own deviation: internationalized addresses.
    assert.equal(document.components.schemas.EmailAddress.properties._id.format, 'idn-email');
    assert.match(document.info.description, /SMTPUTF8/);
  });

  test('refuses a route without a description', () => {
    @Controller('api/bare')
    class BareController {
      @Get()
      list() {
        return [];
      }
    }
    assert.throws(() => build(DescribedController, BareController), (error: Error) => error instanceof OpenApiDocumentError && /BareController\.list \(GET \/api\/bare\) has no @ApiOperation/.test(error.message));
  });

  test('refuses a description that does not fit its route', () => {
    @Controller('api/misfit')
    class UndescribedParam {
      @Get(':id')
      @ApiOperation({ operationId: 'A', summary: 'a', responses: Ok })
      get(@Param('id') id: string) {
        return id;
      }
    }
    @Controller('api/misfit')
    class UndescribedQuery {
      @Get()
      @ApiOperation({ operationId: 'B', summary: 'b', query: Limit, responses: Ok })
      get(@Query('skip') skip: string) {
        return skip;
      }
    }
    @Controller('api/misfit')
    class UndescribedBody {
      @Post()
      @ApiOperation({ operationId: 'C', summary: 'c', responses: Ok })
      create(@Body() body: unknown) {
        return body;
      }
    }
    assert.throws(() => build(UndescribedParam), /path parameter id is not described/);
    assert.throws(() => build(UndescribedQuery), /reads query parameter skip, which is not described/);
    assert.throws(() => build(UndescribedBody), /reads a body, which is not described/);
  });
});
