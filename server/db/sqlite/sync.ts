/** A repository's methods as better-sqlite3 runs them: the same steps, answered at once. */
export type Sync<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K] };

/** The interface's promises over synchronous steps; a step that throws rejects. */
export function asynchronous<T extends object>(repo: Sync<T>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, step] of Object.entries(repo)) {
    wrapped[name] = (...args: unknown[]) => {
      try {
        return Promise.resolve((step as (...a: unknown[]) => unknown)(...args));
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }
  return wrapped as T;
}
