// What the API says about API keys, for the admin's routes and an account's own (/api/me/keys): a new key's
// secret is in its one response and never again; a listing shows ids, labels and dates only.
import { z } from 'zod';

export const NewKey = z.object({ label: z.string().max(100).optional() }).strict();
export const NewKeyView = z.object({ keyId: z.string(), apiKey: z.string() });
export const KeyView = z.object({ id: z.string(), label: z.string(), created: z.string().meta({ format: 'date-time' }) });
export const KeyIdParam = z.string().meta({ description: "An API key's id" });
export const RevokedKeyView = z.object({ keyId: z.string(), revoked: z.literal(true) });
