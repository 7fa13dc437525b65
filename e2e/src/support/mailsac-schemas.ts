// Validates API responses against the schemas of Mailsac's own OpenAPI document, as the official
// @mailsac/api package (a pinned dev dependency, MIT) ships it.
// The document has a few internal contradictions; the errata are applied openly, with their reasons, by the
// service's own module (apps/capture/src/openapi/mailsac-schemas.ts: MAILSAC_ERRATA, the one place they
// live, also listed in the served OpenAPI document), rather than silently loosening validation. Two more
// concern only this validator:
//  - Custom formats `md5sum`, `domain` and `string` are given real checks (or, for `string`, none).
//  - Where Mailsac documents one object for a list (MAILSAC_ERRATA's list erratum), each item of the list
//    is checked against the documented object (assertValidResponseItems).
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { applySchemaErrata } from '../../../apps/capture/dist-test/openapi/mailsac-schemas';

const OPENAPI_PATH = require.resolve('@mailsac/api/openapi.json');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function loadDocument(): Json {
  const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json;
  applySchemaErrata(document.components.schemas as Json);
  return document;
}

export function emailMessageKeys(): string[] {
  return Object.keys(loadDocument().components.schemas.EmailMessage.properties as Json);
}

export class MailsacSchemas {
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addFormat('md5sum', /^[a-f0-9]{32}$/);
    this.ajv.addFormat('domain', /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i);
    this.ajv.addFormat('string', () => true);
    this.ajv.addSchema(loadDocument(), 'mailsac');
  }

  /** Throws with ajv's errors unless `value` matches `#/components/schemas/<name>`. */
  assertValid(name: string, value: unknown): void {
    this.check(`#/components/schemas/${name}`, name, value);
  }

  /** Throws unless `value` matches the documented 200 JSON response of `GET <path>` (path as the document writes it). */
  assertValidResponse(path: string, value: unknown): void {
    this.check(responsePointer(path), `GET ${path}`, value);
  }

  /** The list erratum: a list, each item of which matches the documented 200 response of `GET <path>`. */
  assertValidResponseItems(path: string, value: unknown): void {
    if (!Array.isArray(value)) throw new Error(`GET ${path} did not answer a list: ${JSON.stringify(value).slice(0, 200)}`);
    for (const item of value) this.check(responsePointer(path), `GET ${path}`, item);
  }

  private check(pointer: string, name: string, value: unknown): void {
    let validate = this.cache.get(pointer);
    if (!validate) {
      validate = this.ajv.getSchema(`mailsac${pointer}`);
      if (!validate) throw new Error(`no schema ${name}`);
      this.cache.set(pointer, validate);
    }
    if (!validate(value)) {
      throw new Error(`response does not match Mailsac's ${name}: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
    }
  }
}

/** The JSON pointer of an operation's 200 application/json schema. */
function responsePointer(path: string): string {
  const escape = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');
  return `#/paths/${escape(path)}/get/responses/200/content/${escape('application/json')}/schema`;
}
