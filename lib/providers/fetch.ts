/** A provider that does not answer in this time is reported as unreachable instead of hanging the request. */
export const PROVIDER_TIMEOUT_MS = 5_000;

/** fetch with the provider timeout: every request the server makes to a provider goes through this. */
export const fetchWithTimeout: typeof fetch = (input, init) => {
  const timeout = AbortSignal.timeout(PROVIDER_TIMEOUT_MS);
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  return fetch(input, { ...init, signal });
};
