import Link from "next/link";

import { AccountMenu } from "@/components/account-menu";
import { headerUser } from "@/components/header-user";
import { ChevronDown, HomeIcon, LogoMark, ProviderMark, SignOutIcon } from "@/components/icons";
import { NavLink } from "@/components/nav-link";
import { SettingsLinkItems } from "@/components/settings-links";
import { SignOutButton, SignOutOfProviderButton } from "@/components/sign-out-button";
import { UserAvatar } from "@/components/user-avatar";
import { getEnv } from "@/lib/services";
import { providerById, providerName, providerOffersLogout } from "@/lib/providers/registry";

export async function SiteHeader() {
  const known = await headerUser();
  const user = known === "unknown" ? null : known;
  const logoutProvider = user && providerOffersLogout(getEnv(), user.provider) ? providerName(getEnv(), user.provider) : undefined;
  const displayName = user ? (user.name ?? user.email ?? "Your account") : "";
  return (
    <header className="site-header">
      <div className="container header-inner">
        <Link href="/" className="brand">
          <LogoMark />
          <span>OAuth Next App</span>
        </Link>
        {user ? (
          <>
            <nav aria-label="Main" className="main-nav">
              <NavLink href="/dashboard" className="nav-link">
                Dashboard
              </NavLink>
              <NavLink href="/settings/profile" className="nav-link" section>
                Settings
              </NavLink>
            </nav>
            <AccountMenu
              summary={
                <summary className="account-summary">
                  <UserAvatar image={user.image} name={displayName} size={32} />
                  <span className="account-summary-name">{displayName}</span>
                  <span className="visually-hidden">: account menu</span>
                  <ChevronDown />
                </summary>
              }
            >
              <div className="popover account-panel">
                <div className="account-identity">
                  <span className="account-identity-name">{displayName}</span>
                  {user.email && user.email !== displayName ? <span className="account-identity-email">{user.email}</span> : null}
                </div>
                <nav aria-label="Account">
                  <ul className="menu-list">
                    <li>
                      <NavLink href="/dashboard" className="menu-item">
                        <HomeIcon />
                        Dashboard
                      </NavLink>
                    </li>
                    <SettingsLinkItems className="menu-item" />
                  </ul>
                </nav>
                <div className="menu-separator" />
                <SignOutButton className="menu-item" icon={<SignOutIcon />} />
                {logoutProvider ? (
                  <SignOutOfProviderButton
                    className="menu-item"
                    providerName={logoutProvider}
                    icon={<ProviderMark mark={providerById(getEnv(), user.provider)?.mark} />}
                  />
                ) : null}
              </div>
            </AccountMenu>
          </>
        ) : known === "unknown" ? null : (
          <nav aria-label="Account" className="main-nav main-nav-end">
            <NavLink href="/login" className="button button-secondary button-small">
              Sign in
            </NavLink>
          </nav>
        )}
      </div>
    </header>
  );
}
