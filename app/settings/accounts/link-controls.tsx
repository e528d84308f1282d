import { ProviderMark } from "@/components/icons";
import type { ProviderMarkName } from "@/lib/providers/definition";
import { PendingButton } from "@/components/pending-button";
import { button, list, notice as noticeBox, stack } from "@/components/styles";

import { linkProvider, unlinkProviderAction } from "./actions";

/** "Link <Provider>" for each configured provider this person has not linked yet. */
export function LinkProviderButtons({ providers }: { providers: readonly { id: string; name: string; mark: ProviderMarkName }[] }) {
  if (providers.length === 0) return null;
  return (
    <section className={stack} aria-labelledby="link-heading">
      <h2 id="link-heading">Add a way to sign in</h2>
      <ul className={`${list} max-w-96`}>
        {providers.map((provider) => (
          <li key={provider.id}>
            <form action={linkProvider}>
              <input type="hidden" name="provider" value={provider.id} />
              <PendingButton
                className={button("provider", "provider")}
                pendingLabel={`Connecting to ${provider.name}…`}
                icon={<ProviderMark mark={provider.mark} />}
              >
                {`Link ${provider.name}`}
              </PendingButton>
            </form>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function UnlinkButton({ provider, providerName }: { provider: string; providerName: string }) {
  return (
    <form action={unlinkProviderAction}>
      <input type="hidden" name="provider" value={provider} />
      <PendingButton className={button("secondary")} pendingLabel="Unlinking…">
        {`Unlink ${providerName}`}
      </PendingButton>
    </form>
  );
}

const NOTICES: Record<string, { ok: boolean; text: (name: string) => string }> = {
  linked: { ok: true, text: (name) => `${name} is linked: you can now sign in with it too.` },
  unlinked: { ok: true, text: (name) => `${name} is unlinked: it no longer signs you in here.` },
  last_provider: {
    ok: false,
    text: (name) => `${name} is your only way to sign in, so it cannot be unlinked. Link another provider first.`,
  },
  not_linked: { ok: false, text: () => "That provider is not linked to your account, so nothing was changed." },
  link_failed: { ok: false, text: () => "That provider could not be linked. Please try again." },
};

/** The outcome of the last Link/Unlink, from the query (fixed texts only; the name is looked up, not echoed). */
export function LinkNotice({
  notice,
  providerName,
  retryAfter,
}: {
  notice: string | undefined;
  providerName: string;
  retryAfter: number | null;
}) {
  if (notice === "rate_limited") {
    return (
      <div role="alert" className={noticeBox("error")}>
        <p>
          {retryAfter
            ? `Too many attempts, try again in ${retryAfter} seconds.`
            : "Too many attempts. Please wait a moment, then try again."}
        </p>
      </div>
    );
  }
  const entry = notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice] : undefined;
  if (!entry) return null;
  return (
    <div role={entry.ok ? "status" : "alert"} className={noticeBox(entry.ok ? "ok" : "error")}>
      <p>{entry.text(providerName)}</p>
    </div>
  );
}
