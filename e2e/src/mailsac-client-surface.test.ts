// The rest of Mailsac's surface through the official client, on the embedded store (see support/mailsac-surface.ts).
import { CaptureboxProcess } from './support/capturebox-process';
import { describeMailsacSurface, SURFACE_ENV } from './support/mailsac-surface';

describeMailsacSurface('SQLite', () => CaptureboxProcess.start({ env: SURFACE_ENV }));
