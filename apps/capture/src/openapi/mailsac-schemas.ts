// Mailsac's component schemas and documented responses, from the vendored copy of its OpenAPI document
// (mailsac/mailsac-openapi.json, written by scripts/vendor-mailsac-openapi.mjs; MIT, mailsac/LICENSE).
// Mailsac's document contradicts itself in a few places; each erratum is applied openly here, the one
// place they live (e2e/src/support/mailsac-schemas.ts validates with the same), and they are listed in
// the served document's description.
import vendored from './mailsac/mailsac-openapi.json';
import type { JsonSchema, ResponseMap, ResponseObject } from './api-operation';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const MAILSAC_ERRATA = [
  "`Date` says `format: date` but its example and Mailsac's responses are date-times: `format: date-time`.",
  '`EmailMessage.savedBy` is typed `string`, yet its description says it is `null` when not starred, as Mailsac returns: `null` is allowed.',
  '`EmailAddressIntegrity.email` says `format: email`, yet it is the text that was checked, which with `validFormat: false` is no email address: any string.',
  'ListTopPublicAddresses, ListTopPublicSenders, ListTopPublicDomains and ListMessagesForAttachment document one object although they list them (and Mailsac answers a list): a list of the documented object.',
] as const;

/**
 * Where Capturebox answers differently from Mailsac's document, on purpose (not a contradiction of the
 * document's own): applied to the served document only, and listed in its description.
 */
export const CAPTUREBOX_DEVIATIONS = [
  "Addresses may be internationalized (SMTP speaks SMTPUTF8, RFC 6531, and every route takes what SMTP takes): Mailsac's `format: email` is `format: idn-email`.",
] as const;

/** Deviation 1, in place: every `format: email` below `node` becomes `idn-email`. */
function allowInternationalAddresses(node: unknown): void {
  if (Array.isArray(node)) node.forEach(allowInternationalAddresses);
  else if (node && typeof node === 'object') {
    const object = node as Json;
    if (object.format === 'email') object.format = 'idn-email';
    Object.values(object).forEach(allowInternationalAddresses);
  }
}

/** The operations of erratum 4, whose documented 200 is one item of what is answered. */
const LISTED_AS_ONE = ['ListTopPublicAddresses', 'ListTopPublicSenders', 'ListTopPublicDomains', 'ListMessagesForAttachment'];

/** Errata 1 to 3, applied in place to Mailsac's component schemas (the vendored copy, or the package's in e2e/). */
export function applySchemaErrata(schemas: Json): void {
  schemas.Date = { ...schemas.Date, format: 'date-time' };
  schemas.EmailMessage.properties.savedBy = { ...schemas.EmailMessage.properties.savedBy, type: ['string', 'null'] };
  const { format: _email, ...checked } = schemas.EmailAddressIntegrity.properties.email as Json;
  schemas.EmailAddressIntegrity.properties.email = checked;
}

/** Mailsac's component schemas, the errata and deviations applied (a copy: the vendored text stays as it is). */
export function mailsacComponentSchemas(): Record<string, JsonSchema> {
  const schemas = structuredClone(vendored.schemas) as Json;
  applySchemaErrata(schemas);
  allowInternationalAddresses(schemas);
  return schemas;
}

export function mailsacComponentResponses(): Record<string, ResponseObject> {
  const responses = structuredClone(vendored.responses) as Json;
  allowInternationalAddresses(responses);
  return responses;
}

export function mailsacSecuritySchemes(): Record<string, JsonSchema> {
  return structuredClone(vendored.securitySchemes) as Json;
}

/** The documented 2xx responses of one of Mailsac's operations, erratum 4 applied. */
export function mailsacSuccessResponses(operationId: string): ResponseMap {
  const documented = (vendored.successResponses as Json)[operationId] as Json | undefined;
  if (!documented) throw new Error(`Mailsac's document has no operation ${operationId}`);
  const responses = structuredClone(documented) as Json;
  allowInternationalAddresses(responses);
  if (LISTED_AS_ONE.includes(operationId)) {
    const content = responses[200].content['application/json'];
    content.schema = { type: 'array', items: content.schema };
  }
  return responses;
}

export const MAILSAC_SOURCE: string = vendored.source;
