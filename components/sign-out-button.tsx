import { PendingButton } from "@/components/pending-button";
import { signOutUser } from "@/lib/auth-actions";

export function SignOutButton() {
  return (
    <form action={signOutUser}>
      <PendingButton className="button button-secondary" pendingLabel="Signing out…">
        Sign out
      </PendingButton>
    </form>
  );
}
