import type { ReactNode } from "react";

import { SettingsLinkItems } from "@/components/settings-links";

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
          <SettingsLinkItems className="settings-link" />
        </ul>
      </nav>
      <div className="settings-content">{children}</div>
    </div>
  );
}
