/**
 * Values that are there now or come later. The State port answers at once in memory and later from a
 * shared store; the engine chains on either without making the in-memory path wait for a promise.
 */
export type Awaitable<T> = T | Promise<T>;

/** `f(value)` now when the value is there, else once it comes. */
export function then<T, R>(value: Awaitable<T>, f: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(f) : f(value);
}

/** All the values, now when every one is there, else once they all come. */
export function allOf<T>(values: readonly Awaitable<T>[]): Awaitable<T[]> {
  return values.some((v) => v instanceof Promise) ? Promise.all(values) : (values as T[]);
}
