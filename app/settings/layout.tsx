import type { ReactNode } from "react";

import { SettingsLinkItems } from "@/components/settings-links";
import { container } from "@/components/styles";

/**
 * The side navigation shared by every settings page. Each page's own segment layout checks the
 * session (components/protected-segment.tsx); this one shows nothing private.
 */
const settingsLink =
  "flex items-center gap-[0.6rem] rounded-control px-3 py-[0.55rem] font-medium text-muted no-underline hover:bg-surface hover:text-fg aria-[current=page]:bg-accent-soft aria-[current=page]:font-semibold aria-[current=page]:text-accent";

export default function SettingsLayout({ children }: { children: ReactNode }) {
  return (
    <div className={`${container} grid items-start gap-6 min-[52rem]:grid-cols-[14.5rem_minmax(0,1fr)] min-[52rem]:gap-8`}>
      <nav aria-label="Settings" className="min-[52rem]:sticky min-[52rem]:top-20">
        <p className="mb-2 px-3 text-[0.8rem] font-semibold tracking-[0.06em] text-muted uppercase">Settings</p>
        {/* Phones: the four sections as a 2 × 2 grid of tabs, nothing to scroll sideways. */}
        <ul className="grid gap-1 max-[52rem]:grid-cols-2">
          <SettingsLinkItems className={settingsLink} />
        </ul>
      </nav>
      <div>{children}</div>
    </div>
  );
}
