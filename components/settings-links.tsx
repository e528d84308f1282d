import type { ReactNode } from "react";

import { ActivityIcon, DevicesIcon, LinkIcon, UserIcon } from "@/components/icons";
import { NavLink } from "@/components/nav-link";

/**
 * The settings pages, in order: the side navigation on every settings page, the account menu and the
 * dashboard's tiles list them.
 */
export const SETTINGS_LINKS: readonly { href: string; label: string; icon: ReactNode; description: string; prefetch?: false }[] = [
  { href: "/settings/profile", label: "Profile", icon: <UserIcon />, description: "Change your display name." },
  // Not prefetched: rendering that page calls the provider with the person's token.
  {
    href: "/settings/accounts",
    label: "Linked accounts",
    icon: <LinkIcon />,
    description: "Providers you sign in with, and what they say about you.",
    prefetch: false,
  },
  { href: "/settings/sessions", label: "Sessions", icon: <DevicesIcon />, description: "Where you are signed in; sign out other devices." },
  { href: "/settings/activity", label: "Activity", icon: <ActivityIcon />, description: "Your recent sign-ins and failed attempts." },
];

/** One `<li>` per settings page, with this look (`className`). */
export function SettingsLinkItems({ className }: { className: string }) {
  return SETTINGS_LINKS.map((link) => (
    <li key={link.href}>
      <NavLink href={link.href} className={className} prefetch={link.prefetch}>
        {link.icon}
        {link.label}
      </NavLink>
    </li>
  ));
}
