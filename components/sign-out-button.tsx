import type { ReactNode } from "react";

import { PendingButton } from "@/components/pending-button";
import { button, popover } from "@/components/styles";
import { signOutOfProvider, signOutUser } from "@/lib/auth/sign-out";

/** Signs out of this app only (the provider's tokens are revoked either way). */
export function SignOutButton({ className = button("secondary"), icon }: { className?: string; icon?: ReactNode }) {
  return (
    <form action={signOutUser}>
      <PendingButton className={className} pendingLabel="Signing out…" icon={icon}>
        Sign out
      </PendingButton>
    </form>
  );
}

/** Signs out of this app, then at the provider too (RP-initiated logout). */
export function SignOutOfProviderButton({
  providerName,
  className = button("secondary"),
  icon,
}: {
  providerName: string;
  className?: string;
  icon?: ReactNode;
}) {
  return (
    <form action={signOutOfProvider}>
      <PendingButton className={className} pendingLabel="Signing out…" icon={icon}>
        {`Sign out of ${providerName} too`}
      </PendingButton>
    </form>
  );
}

/**
 * The second choice, tucked behind a disclosure: most people only want to leave this app, and
 * signing out of the provider signs them out of everything else that uses it too.
 */
export function SignOutOfProviderChoice({ providerName }: { providerName: string }) {
  return (
    <details className="group relative">
      <summary aria-label="More sign-out options" className={`${button("ghost")} list-none [&::-webkit-details-marker]:hidden`}>
        More
      </summary>
      <div className={`${popover} whitespace-nowrap`}>
        <SignOutOfProviderButton providerName={providerName} />
      </div>
    </details>
  );
}
