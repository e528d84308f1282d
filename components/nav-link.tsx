"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

/**
 * A link that marks itself `aria-current="page"` on its own page (or, with `section`, anywhere
 * under it). Client-side because layouts are not re-rendered on navigation and never learn the
 * path on the server.
 */
export function NavLink({
  href,
  children,
  className,
  section = false,
  prefetch,
}: {
  href: string;
  children: ReactNode;
  className?: string;
  section?: boolean;
  prefetch?: boolean;
}) {
  const pathname = usePathname();
  const current = pathname === href || (section && pathname.startsWith(`${href}/`));
  return (
    <Link href={href} className={className} aria-current={current ? "page" : undefined} prefetch={prefetch}>
      {children}
    </Link>
  );
}
