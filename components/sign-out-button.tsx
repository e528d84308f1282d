import { PendingButton } from "@/components/pending-button";
import { signOutOfProvider, signOutUser } from "@/lib/auth-actions";

/** Signs out of this app only (the provider's tokens are revoked either way). */
export function SignOutButton() {
  return (
    <form action={signOutUser}>
      <PendingButton className="button button-secondary" pendingLabel="Signing out…">
        Sign out
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
    <details className="sign-out-more">
      <summary aria-label="More sign-out options">More</summary>
      <form action={signOutOfProvider}>
        <PendingButton className="button button-secondary" pendingLabel="Signing out…">
          {`Sign out of ${providerName} too`}
        </PendingButton>
      </form>
    </details>
  );
}
