// Validates API responses against the schemas of Mailsac's own OpenAPI document, as the official
// @mailsac/api package (a pinned dev dependency, MIT) ships it.
// The document has a few internal contradictions; each erratum below is applied openly, with its reason,
// rather than silently loosening validation:
//  1. `Date` says `format: date` but its example and Mailsac's responses are date-times: checked as date-time.
//  2. `EmailMessage.savedBy` is typed `string`, yet its description says it is `null` when not starred,
//     as Mailsac returns: allowed to be null.
//  3. Custom formats `md5sum`, `domain` and `string` are given real checks (or, for `string`, none).
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';

const OPENAPI_PATH = require.resolve('@mailsac/api/openapi.json');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function loadDocument(): Json {
  const document = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json;
  const schemas = document.components.schemas as Json;
  schemas.Date = { ...schemas.Date, format: 'date-time' };
  schemas.EmailMessage.properties.savedBy = { ...schemas.EmailMessage.properties.savedBy, type: ['string', 'null'] };
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
    let validate = this.cache.get(name);
    if (!validate) {
      validate = this.ajv.getSchema(`mailsac#/components/schemas/${name}`);
      if (!validate) throw new Error(`no schema ${name}`);
      this.cache.set(name, validate);
    }
    if (!validate(value)) {
      throw new Error(`response does not match Mailsac's ${name}: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 500)}`);
    }
  }
}
