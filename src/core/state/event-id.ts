/**
 * Ids of serve events: UUIDs in the version 4 layout (WireMock's clients read a request's id as a UUID), made
 * of a random part drawn once per process (74 random bits: the ids of replicas sharing a journal do not
 * meet) and a counter in the last twelve hex digits.
 *
 * Why not randomUUID() for each: a replica with a shared journal needs every event's id, and a random UUID per
 * event cost it more in garbage collection than writing the event to the store did (randomUUID refills a
 * buffer of random bytes outside the heap); a counter costs one short string.
 */
import { randomUUID } from 'node:crypto';

const prefix = randomUUID().slice(0, 24);
let counter = Number.parseInt(randomUUID().slice(24, 36), 16);
const WRAP = 2 ** 48;

export function nextEventId(): string {
  counter = (counter + 1) % WRAP;
  return prefix + counter.toString(16).padStart(12, '0');
}
