import localFont from "next/font/local";

import { ProviderMark } from "@/components/icons";
import { PendingButton } from "@/components/pending-button";
import { button, type ButtonTone } from "@/components/styles";
import type { ProviderMarkName } from "@/lib/providers/definition";

/**
 * Google's sign-in branding asks for Roboto Medium on its button. Served by us (next/font: no
 * request to Google's font servers, which the CSP would refuse anyway), never preloaded: a browser
 * fetches it only when a Google button is on the page. SIL Open Font License, fonts/OFL-roboto.txt.
 */
const roboto = localFont({
  src: "./fonts/roboto-latin-500.woff2",
  weight: "500",
  display: "swap",
  preload: false,
  fallback: ["Arial", "sans-serif"],
});

/** Brands with published button rules get their own colours (components/styles.ts cites them); the rest look alike. */
const BRAND_TONES: Partial<Record<ProviderMarkName, ButtonTone>> = { google: "google", apple: "apple", microsoft: "microsoft" };

function brandClass(mark: ProviderMarkName): string {
  const classes = button(BRAND_TONES[mark] ?? "provider", "provider");
  return mark === "google" ? `${classes} ${roboto.className}` : classes;
}

/** "Continue with <Provider>" on /login: the same size for every provider, each in its own colours. */
export function ProviderButton({ mark, label, pendingLabel }: { mark: ProviderMarkName; label: string; pendingLabel: string }) {
  return (
    <PendingButton className={brandClass(mark)} pendingLabel={pendingLabel} icon={<ProviderMark mark={mark} />}>
      {label}
    </PendingButton>
  );
}
