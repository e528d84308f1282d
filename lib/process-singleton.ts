/**
 * One instance per process. Next.js bundles the proxy, pages, route handlers and actions
 * separately, and reloads modules in development: module-level state would exist once per bundle
 * (a cache the proxy fills that the page cannot see, a second connection pool). State that must be
 * shared lives on globalThis under a registered symbol, created by the first caller.
 */
export function processSingleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(`oauth-next-app.${name}`);
  const holder = globalThis as typeof globalThis & Record<symbol, unknown>;
  if (!(key in holder)) holder[key] = create();
  return holder[key] as T;
}

/** The instance if one was created, without creating it. */
export function existingProcessSingleton<T>(name: string): T | undefined {
  return (globalThis as typeof globalThis & Record<symbol, unknown>)[Symbol.for(`oauth-next-app.${name}`)] as T | undefined;
}

/** For shutdown and tests: forget the instance (the next caller creates a new one). */
export function forgetProcessSingleton(name: string): void {
  delete (globalThis as typeof globalThis & Record<symbol, unknown>)[Symbol.for(`oauth-next-app.${name}`)];
}
