import Link from "next/link";

import { ProviderMark } from "@/components/icons";
import { SETTINGS_LINKS } from "@/components/settings-links";
import { SignOutButton, SignOutOfProviderChoice } from "@/components/sign-out-button";
import { UserAvatar } from "@/components/user-avatar";
import { buttonRow, card, container, headingRow, hint, stack } from "@/components/styles";
import type { ProviderMarkName } from "@/lib/providers/definition";
import type { CurrentUser } from "@/lib/session/authenticate";

export type DashboardPerson = Pick<CurrentUser, "name" | "email" | "image" | "provider">;

/** The session's provider as the dashboard shows it: its name and its mark. */
export interface DashboardProvider {
  name: string;
  mark: ProviderMarkName | undefined;
}

/** A settings page's tile: the whole card is the link. */
const tileLink =
  "flex h-full flex-col gap-[0.3rem] rounded-card border border-line bg-surface px-5 py-[1.15rem] text-fg no-underline shadow-card transition-[border-color,box-shadow] hover:border-accent hover:text-fg hover:shadow-raised";

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
    <div className={`${container} flex flex-col gap-6`}>
      <section className={`${card} flex flex-wrap items-center gap-5`} aria-labelledby="welcome-title">
        <UserAvatar image={user.image} name={user.name ?? user.email} size={72} alt={`Profile picture of ${user.name ?? "you"}`} />
        <div className="text-muted [&_p]:my-[0.1rem] [&_strong]:wrap-anywhere [&_strong]:text-fg">
          <h1 id="welcome-title" className="mb-[0.35rem] text-fg">
            {user.name ? `Hello, ${user.name}` : "Hello"}
          </h1>
          <p>
            Signed in as <strong data-testid="signed-in-email">{user.email ?? "an account without a verified email"}</strong>
          </p>
          <p>
            Signed in with <strong data-testid="signed-in-provider">{provider.name}</strong>
          </p>
        </div>
      </section>

      <section aria-labelledby="account-title">
        <h2 id="account-title" className="mb-[0.85rem] text-[1.1rem]">
          Your account
        </h2>
        <ul className="grid grid-cols-[repeat(auto-fit,minmax(14rem,1fr))] gap-4">
          {SETTINGS_LINKS.map((tile) => (
            <li key={tile.href}>
              <Link href={tile.href} className={tileLink} prefetch={tile.prefetch}>
                <span className="flex items-center gap-[0.55rem] font-semibold [&_svg]:text-accent">
                  {tile.icon}
                  {tile.label}
                </span>
                <span className="text-[0.92rem] text-muted">{tile.description}</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>

      <section className={`${card} ${stack}`} aria-labelledby="session-title">
        <h2 id="session-title" className={headingRow}>
          <ProviderMark mark={provider.mark} />
          This session
        </h2>
        <p className={hint}>
          Signing out ends this session on the server and revokes the tokens {provider.name} gave this app. Your account and settings stay.
        </p>
        <div className={buttonRow}>
          <SignOutButton />
          {logoutProvider ? <SignOutOfProviderChoice providerName={logoutProvider} /> : null}
        </div>
      </section>
    </div>
  );
}
