import { UserAvatar } from "@/components/user-avatar";
import { hint, notice, profileRow } from "@/components/styles";
import type { LiveProfileResult } from "@/lib/providers/tokens/live-profile";

/** What the provider says about the person right now (fetched live with their access token). */
export function ProviderProfilePanel({ result, providerName }: { result: LiveProfileResult; providerName: string }) {
  return (
    <section
      aria-labelledby="provider-profile-heading"
      className="flex flex-col gap-3 border-t border-line pt-5"
      data-testid="provider-profile"
    >
      <h2 id="provider-profile-heading">Provider profile</h2>
      {result.status === "ok" ? (
        <>
          <p className={hint}>Read just now from {providerName}, with the access token this app keeps on its server.</p>
          <div className={profileRow}>
            <UserAvatar image={result.profile.image} name={result.profile.name ?? result.profile.email} size={56} />
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-[0.2rem] [&_dd]:wrap-anywhere [&_dt]:text-muted">
              <dt>Name</dt>
              <dd data-testid="provider-profile-name">{result.profile.name ?? "—"}</dd>
              <dt>Email</dt>
              <dd data-testid="provider-profile-email">{result.profile.email ?? "— (not verified by the provider)"}</dd>
              <dt>Subject</dt>
              <dd data-testid="provider-profile-subject">{result.profile.id}</dd>
            </dl>
          </div>
        </>
      ) : result.status === "reconnect_required" ? (
        <div role="alert" className={notice("error")}>
          <p>
            {providerName} no longer accepts this app&apos;s access (it was revoked or has expired). Your account and data are safe: press{" "}
            <strong>Reconnect {providerName}</strong> above to sign in there again.
          </p>
        </div>
      ) : result.status === "provider_unavailable" ? (
        <div role="status" className={notice("warning")}>
          <p>
            {providerName} is unavailable right now, so we can&apos;t show what it says about you. Nothing was changed.{" "}
            <a href="/settings/accounts">Try again</a> in a moment.
          </p>
        </div>
      ) : result.status === "not_offered" ? (
        <p>{providerName} tells apps who you are only when you sign in, so there is nothing more to show here.</p>
      ) : (
        <p>No {providerName} account is linked to you.</p>
      )}
    </section>
  );
}
