import Link from "next/link";

import { SignOutButton, SignOutOfProviderChoice } from "@/components/sign-out-button";
import { UserAvatar } from "@/components/user-avatar";
import { verifySession } from "@/lib/dal";
import { getEnv } from "@/lib/env";
import { providerOffersLogout } from "@/lib/provider-tokens";
import { providerName } from "@/lib/providers";

export async function SiteHeader() {
  const user = await verifySession();
  const logoutProvider = user && providerOffersLogout(user.provider) ? providerName(getEnv(), user.provider) : undefined;
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        OAuth Next App
      </Link>
      {user ? (
        <nav aria-label="Account" className="user-menu">
          <Link href="/dashboard">Dashboard</Link>
          <Link href="/settings/profile">Profile</Link>
          {/* Not prefetched: rendering that page calls the provider with the person's token. */}
          <Link href="/settings/accounts" prefetch={false}>
            Linked accounts
          </Link>
          <Link href="/settings/sessions">Sessions</Link>
          <Link href="/settings/activity">Activity</Link>
          <span className="user-chip">
            <UserAvatar image={user.image} name={user.name ?? user.email} size={28} />
            <span>{user.name ?? user.email}</span>
          </span>
          <SignOutButton />
          {logoutProvider ? <SignOutOfProviderChoice providerName={logoutProvider} /> : null}
        </nav>
      ) : (
        <nav aria-label="Account">
          <Link href="/login" className="button button-secondary">
            Sign in
          </Link>
        </nav>
      )}
    </header>
  );
}
