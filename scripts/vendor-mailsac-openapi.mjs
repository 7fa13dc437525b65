#!/usr/bin/env node
// Copies what Capturebox's OpenAPI document takes from Mailsac's (the @mailsac/api package, a dev
// dependency of e2e/, MIT) into apps/capture/src/openapi/mailsac/, so the service needs no dev dependency
// at run time: the component schemas and responses, the security schemes, and each operation's
// documented success responses by operationId. Run after bumping @mailsac/api; the errata are applied
// in code (openapi/mailsac-schemas.ts), not here, so this file stays Mailsac's text.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(join(process.cwd(), 'e2e/package.json'));
const source = require.resolve('@mailsac/api/openapi.json');
const { version } = JSON.parse(readFileSync(join(dirname(source), 'package.json'), 'utf8'));
const document = JSON.parse(readFileSync(source, 'utf8'));
const target = join(process.cwd(), 'apps/capture/src/openapi/mailsac');

const successResponses = {};
for (const operations of Object.values(document.paths)) {
  for (const operation of Object.values(operations)) {
    if (typeof operation !== 'object' || !operation.operationId) continue;
    successResponses[operation.operationId] = Object.fromEntries(Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status)));
  }
}
const vendored = {
  source: `@mailsac/api ${version} openapi.json (MIT, see LICENSE beside this file)`,
  // The notice travels with the copy into dist/ and the image, where LICENSE beside the source does not.
  license: readFileSync(join(dirname(source), 'LICENSE'), 'utf8'),
  securitySchemes: document.components.securitySchemes,
  schemas: document.components.schemas,
  responses: document.components.responses,
  successResponses,
};
writeFileSync(join(target, 'mailsac-openapi.json'), `${JSON.stringify(vendored, null, 1)}\n`);
copyFileSync(join(dirname(source), 'LICENSE'), join(target, 'LICENSE'));
console.log(`vendored @mailsac/api ${version} into ${target}`);
