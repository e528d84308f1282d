import Link from "next/link";

import { AccountMenu } from "@/components/account-menu";
import { headerUser } from "@/components/header-user";
import { ChevronDown, HomeIcon, LogoMark, ProviderMark, SignOutIcon } from "@/components/icons";
import { NavLink } from "@/components/nav-link";
import { SettingsLinkItems } from "@/components/settings-links";
import { SignOutButton, SignOutOfProviderButton } from "@/components/sign-out-button";
import { button, container, popover } from "@/components/styles";
import { UserAvatar } from "@/components/user-avatar";
import { getEnv } from "@/lib/services";
import { providerById, providerName, providerOffersLogout } from "@/lib/providers/registry";

const navLink =
  "rounded-lg px-[0.8rem] py-[0.45rem] font-medium text-muted no-underline hover:bg-surface-2 hover:text-fg aria-[current=page]:bg-surface-2 aria-[current=page]:font-semibold aria-[current=page]:text-fg";

/** A row of the account menu: a link or a sign-out button, its icon in the muted colour. */
const menuItem =
  "flex w-full cursor-pointer items-center gap-[0.65rem] rounded-lg bg-transparent px-[0.65rem] py-[0.55rem] text-left text-fg no-underline hover:bg-surface-2 hover:text-fg disabled:cursor-progress aria-[current=page]:font-semibold aria-[current=page]:text-accent [&_svg]:text-muted aria-[current=page]:[&_svg]:text-accent";

export async function SiteHeader() {
  const known = await headerUser();
  const user = known === "unknown" ? null : known;
  const logoutProvider = user && providerOffersLogout(getEnv(), user.provider) ? providerName(getEnv(), user.provider) : undefined;
  const displayName = user ? (user.name ?? user.email ?? "Your account") : "";
  return (
    <header className="sticky top-0 z-20 border-b border-line bg-surface">
      <div className={`${container} flex min-h-[3.75rem] items-center gap-4`}>
        <Link
          href="/"
          className="inline-flex items-center gap-[0.6rem] rounded-lg text-[1.05rem] font-bold text-fg no-underline hover:text-fg"
        >
          <LogoMark />
          <span>OAuth Next App</span>
        </Link>
        {user ? (
          <>
            <nav aria-label="Main" className="ml-auto flex gap-1 max-sm:hidden">
              <NavLink href="/dashboard" className={navLink}>
                Dashboard
              </NavLink>
              <NavLink href="/settings/profile" className={navLink} section>
                Settings
              </NavLink>
            </nav>
            <AccountMenu
              summary={
                <summary className="flex cursor-pointer list-none items-center gap-2 rounded-full border border-line bg-surface py-[0.2rem] pr-[0.55rem] pl-[0.2rem] font-medium text-fg hover:bg-surface-2 [&::-webkit-details-marker]:hidden">
                  <UserAvatar image={user.image} name={displayName} size={32} />
                  <span className="max-w-48 truncate max-sm:hidden">{displayName}</span>
                  <span className="sr-only">: account menu</span>
                  <ChevronDown />
                </summary>
              }
            >
              <div className={`${popover} min-w-64`}>
                <div className="mb-[0.35rem] flex flex-col border-b border-line px-[0.65rem] pt-2 pb-[0.65rem]">
                  <span className="font-semibold">{displayName}</span>
                  {user.email && user.email !== displayName ? (
                    <span className="text-[0.9rem] wrap-anywhere text-muted">{user.email}</span>
                  ) : null}
                </div>
                <nav aria-label="Account">
                  <ul>
                    <li>
                      <NavLink href="/dashboard" className={menuItem}>
                        <HomeIcon />
                        Dashboard
                      </NavLink>
                    </li>
                    <SettingsLinkItems className={menuItem} />
                  </ul>
                </nav>
                <div className="my-[0.35rem] h-px bg-line" />
                <SignOutButton className={menuItem} icon={<SignOutIcon />} />
                {logoutProvider ? (
                  <SignOutOfProviderButton
                    className={menuItem}
                    providerName={logoutProvider}
                    icon={<ProviderMark mark={providerById(getEnv(), user.provider)?.mark} />}
                  />
                ) : null}
              </div>
            </AccountMenu>
          </>
        ) : known === "unknown" ? null : (
          // On /login itself, "Sign in" would only point at the page below it.
          <nav aria-label="Account" className="ml-auto flex gap-1 [&_[aria-current=page]]:hidden">
            <NavLink href="/login" className={button("secondary", "small")}>
              Sign in
            </NavLink>
          </nav>
        )}
      </div>
    </header>
  );
}
