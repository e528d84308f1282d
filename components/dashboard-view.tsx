import Link from "next/link";

import { ProviderMark } from "@/components/icons";
import { SETTINGS_LINKS } from "@/components/settings-links";
import { SignOutButton, SignOutOfProviderChoice } from "@/components/sign-out-button";
import { UserAvatar } from "@/components/user-avatar";
import type { ProviderMarkName } from "@/lib/providers/definition";
import type { CurrentUser } from "@/lib/session/authenticate";

export type DashboardPerson = Pick<CurrentUser, "name" | "email" | "image" | "provider">;

/** The session's provider as the dashboard shows it: its name and its mark. */
export interface DashboardProvider {
  name: string;
  mark: ProviderMarkName | undefined;
}

/**
 * What /dashboard shows, given who is signed in. Kept apart from the page so the page is only
 * "check the session, then render", and so the benchmark can render the same view on a public
 * route of its own build (bench/README.md, scenario 1b).
 */
export function DashboardView({
  user,
  provider,
  logoutProvider,
}: {
  user: DashboardPerson;
  provider: DashboardProvider;
  logoutProvider?: string;
}) {
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
          {SETTINGS_LINKS.map((tile) => (
            <li key={tile.href}>
              <Link href={tile.href} className="tile" prefetch={tile.prefetch}>
                <span className="tile-title">
                  {tile.icon}
                  {tile.label}
                </span>
                <span className="tile-text">{tile.description}</span>
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
          Signing out ends this session on the server and revokes the tokens {provider.name} gave this app. Your account and settings stay.
        </p>
        <div className="button-row">
          <SignOutButton />
          {logoutProvider ? <SignOutOfProviderChoice providerName={logoutProvider} /> : null}
        </div>
      </section>
    </div>
  );
}
