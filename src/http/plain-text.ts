/** Sending Decoy's own plain-text answers on a response that can still take one. */
import type { ServerResponse } from 'node:http';
import { plainText, type PlainText } from '../core/response/plain-text.js';

/** Sends a plain-text answer when the response can still take one; returns what it sent (or would have). */
export function sendPlainText(res: ServerResponse, status: number, text: string, extraHeaders: readonly string[] = []): PlainText {
  const answer = plainText(text, extraHeaders);
  if (!res.headersSent && !res.destroyed) {
    res.writeHead(status, answer.headers);
    res.end(answer.body);
  }
  return answer;
}
