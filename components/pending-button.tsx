"use client";

import type { ReactNode } from "react";
import { useFormStatus } from "react-dom";

/** A turning ring in the text colour; slower, not stopped, when the system asks for reduced motion. */
const spinner =
  "inline-block size-[1.25em] flex-none animate-spinner rounded-full border-2 border-current border-r-transparent motion-reduce:animate-spinner-slow";

/**
 * A submit button that shows progress and cannot be pressed twice while its form is in flight.
 * While pending, a spinner takes the icon's place and the label says what is happening, so the
 * button's accessible name changes too.
 */
export function PendingButton({
  children,
  pendingLabel,
  className,
  icon,
}: {
  children: ReactNode;
  pendingLabel: string;
  className?: string;
  icon?: ReactNode;
}) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" className={className} disabled={pending} aria-disabled={pending}>
      {pending ? <span className={spinner} aria-hidden="true" /> : icon}
      <span>{pending ? pendingLabel : children}</span>
    </button>
  );
}
