"use client";

import { ErrorPanel } from "@/components/error-panel";

// Inside the settings layout, so the side navigation stays usable when one settings page fails.
export default function SettingsError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <ErrorPanel reset={reset} digest={error.digest} />;
}
