import type { ReactNode } from "react";

import { ActivityIcon, DevicesIcon, LinkIcon, UserIcon } from "@/components/icons";
import { NavLink } from "@/components/nav-link";

/**
 * The side navigation shared by every settings page. Each page's own segment layout checks the
 * session (components/protected-segment.tsx); this one shows nothing private.
 */
export default function SettingsLayout({ children }: { children: ReactNode }) {
  return (
    <div className="container settings">
      <nav aria-label="Settings" className="settings-nav">
        <p className="settings-nav-title">Settings</p>
        <ul>
          <li>
            <NavLink href="/settings/profile" className="settings-link">
              <UserIcon />
              Profile
            </NavLink>
          </li>
          <li>
            {/* Not prefetched: rendering that page calls the provider with the person's token. */}
            <NavLink href="/settings/accounts" className="settings-link" prefetch={false}>
              <LinkIcon />
              Linked accounts
            </NavLink>
          </li>
          <li>
            <NavLink href="/settings/sessions" className="settings-link">
              <DevicesIcon />
              Sessions
            </NavLink>
          </li>
          <li>
            <NavLink href="/settings/activity" className="settings-link">
              <ActivityIcon />
              Activity
            </NavLink>
          </li>
        </ul>
      </nav>
      <div className="settings-content">{children}</div>
    </div>
  );
}
