import { PendingButton } from "@/components/pending-button";
import { button } from "@/components/styles";
import { startSignIn } from "@/lib/auth/sign-in";

/**
 * Restarts the authorization flow for one provider. Signed in, Auth.js links the result to the
 * same person, and the fresh tokens replace the revoked ones; the person's data is untouched.
 */
export function ReconnectButton({ provider, providerName, returnTo }: { provider: string; providerName: string; returnTo: string }) {
  return (
    <form action={startSignIn}>
      <input type="hidden" name="provider" value={provider} />
      <input type="hidden" name="callbackUrl" value={returnTo} />
      <PendingButton className={button("primary")} pendingLabel={`Connecting to ${providerName}…`}>
        {`Reconnect ${providerName}`}
      </PendingButton>
    </form>
  );
}
