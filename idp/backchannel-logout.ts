/** Back-channel logout to every copy of the app that one Dev IdP serves. */
import type Provider from "oidc-provider";

type BackchannelLogout = (this: object, sub: string, sid: string) => Promise<void>;

/**
 * A client has one backchannel_logout_uri, but one Dev IdP serves several copies of the app (the
 * e2e stack runs a few): each URI gets its own logout token (own jti), sent by oidc-provider's
 * own code with the URI swapped in. Fails only when every delivery failed; each failure is logged.
 */
export function deliverBackchannelLogoutToEach(provider: Provider, uris: readonly string[]): void {
  const prototype = provider.Client.prototype as unknown as { backchannelLogout: BackchannelLogout };
  const deliver = prototype.backchannelLogout;
  prototype.backchannelLogout = async function (this: object, sub: string, sid: string) {
    const results = await Promise.allSettled(
      uris.map((uri) => deliver.call(Object.create(this, { backchannelLogoutUri: { value: uri } }) as object, sub, sid)),
    );
    const failures = results.flatMap((r, i) => (r.status === "rejected" ? [`${uris[i]}: ${(r.reason as Error)?.message}`] : []));
    if (failures.length === results.length) throw new Error(failures.join("; "));
    for (const failure of failures) console.warn(`Dev IdP: back-channel logout failed: ${failure}`);
  };
}
