import Link from "next/link";

import { SignOutButton } from "@/components/sign-out-button";
import { UserAvatar } from "@/components/user-avatar";
import { verifySession } from "@/lib/dal";

export async function SiteHeader() {
  const user = await verifySession();
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        OAuth Next App
      </Link>
      {user ? (
        <nav aria-label="Account" className="user-menu">
          <Link href="/dashboard">Dashboard</Link>
          <Link href="/settings/profile">Profile</Link>
          <span className="user-chip">
            <UserAvatar image={user.image} name={user.name ?? user.email} size={28} />
            <span>{user.name ?? user.email}</span>
          </span>
          <SignOutButton />
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
