// The MongoDB driver, loaded on first use rather than at start: requiring it costs about 25 MB of RSS (its
// SASLprep code-point tables alone are 17 MB of buffers), which an appliance on the embedded SQLite store
// never uses. Everything else imports only its types.
import type * as Driver from 'mongodb';

let driver: typeof Driver | undefined;

export function mongoDriver(): typeof Driver {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require is the point
  return (driver ??= require('mongodb') as typeof Driver);
}
