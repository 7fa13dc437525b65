// Bytes in a named charset to text, for header values. TextDecoder knows the WHATWG encodings (with the
// full ICU that Node ships), but Node 20 decodes windows-1252 - and every label the WHATWG maps to it:
// iso-8859-1, latin1, us-ascii - as plain ISO-8859-1, so "€", "’" and "–" from Outlook come out as C1
// control characters. windows-1252 is therefore decoded here.
import { TextDecoder } from 'node:util';

// windows-1252 bytes 0x80..0x9F; the five the standard leaves undefined map to the same code point (WHATWG).
const WINDOWS_1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];

/** Decodes `bytes` in the charset named by `label`; null when the runtime does not know the charset. */
export function decodeCharset(bytes: Uint8Array, label: string): string | null {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label);
  } catch {
    return null;
  }
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(bytes) : decoder.decode(bytes);
}

export function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  // Chunks keep String.fromCharCode's argument list short on large inputs.
  const chunk: number[] = [];
  for (const byte of bytes) {
    chunk.push(byte >= 0x80 && byte <= 0x9f ? WINDOWS_1252_HIGH[byte - 0x80] : byte);
    if (chunk.length === 8192) {
      text += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  return text + String.fromCharCode(...chunk);
}
