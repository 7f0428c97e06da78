/**
 * Whether bytes are text: valid UTF-8 without a NUL byte. Used wherever Decoy decides between
 * treating a body as text (templating it, showing it in the journal) and as binary (sending it as
 * is, showing it as base64), so the same bytes are judged the same way everywhere.
 */
import { isUtf8 } from 'node:buffer';

export function isUtf8Text(bytes: Uint8Array): boolean {
  return !bytes.includes(0) && isUtf8(bytes);
}
