// The MongoDB driver, loaded on first use rather than at start: requiring it costs about 25 MB of RSS (its
// SASLprep code-point tables alone are 17 MB of buffers), which an appliance on the embedded SQLite store
// never uses. Everything else imports only its types.
import type * as Driver from 'mongodb';
import { loadOnFirstUse } from '../load-on-first-use';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require is the point
export const mongoDriver = loadOnFirstUse(() => require('mongodb') as typeof Driver);
