"use client";

import { authClient } from "../../lib/auth-client";

// Better Auth's documented sign-in: its client asks the server for the provider's address.
export function SignInButton() {
  return (
    <button type="button" onClick={() => void authClient.signIn.social({ provider: "dev-idp", callbackURL: "/dashboard" })}>
      Continue with Dev IdP
    </button>
  );
}
