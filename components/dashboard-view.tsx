import Link from "next/link";
import type { ReactNode } from "react";

import { ActivityIcon, DevicesIcon, LinkIcon, ProviderMark, UserIcon } from "@/components/icons";
import type { ProviderMarkName } from "@/lib/providers/definition";
import { SignOutButton, SignOutOfProviderChoice } from "@/components/sign-out-button";
import { UserAvatar } from "@/components/user-avatar";
import type { CurrentUser } from "@/lib/session/authenticate";

const TILES: { href: string; icon: ReactNode; title: string; text: string; prefetch?: boolean }[] = [
  { href: "/settings/profile", icon: <UserIcon />, title: "Profile", text: "Change your display name." },
  // Not prefetched: rendering that page calls the provider with the person's token.
  { href: "/settings/accounts", icon: <LinkIcon />, title: "Linked accounts", text: "Providers you sign in with, and what they say about you.", prefetch: false },
  { href: "/settings/sessions", icon: <DevicesIcon />, title: "Sessions", text: "Where you are signed in; sign out other devices." },
  { href: "/settings/activity", icon: <ActivityIcon />, title: "Activity", text: "Your recent sign-ins and failed attempts." },
];

export type DashboardPerson = Pick<CurrentUser, "name" | "email" | "image" | "provider">;

/**
 * What /dashboard shows, given who is signed in. Kept apart from the page so the page is only
 * "check the session, then render", and so the benchmark can render the same view on a public
 * route of its own build (bench/README.md, scenario 1b).
 */
/** The session's provider as the dashboard shows it: its name and its mark. */
export interface DashboardProvider {
  name: string;
  mark: ProviderMarkName | undefined;
}

export function DashboardView({ user, provider, logoutProvider }: { user: DashboardPerson; provider: DashboardProvider; logoutProvider?: string }) {
  return (
    <div className="container page-stack">
      <section className="card welcome" aria-labelledby="welcome-title">
        <UserAvatar image={user.image} name={user.name ?? user.email} size={72} alt={`Profile picture of ${user.name ?? "you"}`} />
        <div>
          <h1 id="welcome-title">{user.name ? `Hello, ${user.name}` : "Hello"}</h1>
          <p>
            Signed in as <strong data-testid="signed-in-email">{user.email ?? "an account without a verified email"}</strong>
          </p>
          <p>
            Signed in with <strong data-testid="signed-in-provider">{provider.name}</strong>
          </p>
        </div>
      </section>

      <section aria-labelledby="account-title">
        <h2 id="account-title" className="section-title">
          Your account
        </h2>
        <ul className="tile-grid">
          {TILES.map((tile) => (
            <li key={tile.href}>
              <Link href={tile.href} className="tile" prefetch={tile.prefetch}>
                <span className="tile-title">
                  {tile.icon}
                  {tile.title}
                </span>
                <span className="tile-text">{tile.text}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>

      <section className="card stack" aria-labelledby="session-title">
        <h2 id="session-title" className="connection-head">
          <ProviderMark mark={provider.mark} />
          This session
        </h2>
        <p className="hint">
          Signing out ends this session on the server and revokes the tokens {provider.name} gave this app. Your account and
          settings stay.
        </p>
        <div className="button-row">
          <SignOutButton />
          {logoutProvider ? <SignOutOfProviderChoice providerName={logoutProvider} /> : null}
        </div>
      </section>
    </div>
  );
}
