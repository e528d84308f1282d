"use client";

import type { ReactNode } from "react";
import { useFormStatus } from "react-dom";

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
      {pending ? <span className="spinner" aria-hidden="true" /> : icon}
      <span>{pending ? pendingLabel : children}</span>
    </button>
  );
}
