import localFont from "next/font/local";

import { ProviderMark } from "@/components/icons";
import { PendingButton } from "@/components/pending-button";
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

/** The classes of a provider's button: app/styles/provider-buttons.css follows each brand's published rules. */
function brandClass(mark: ProviderMarkName): string {
  const brand = `button button-provider button-brand-${mark}`;
  return mark === "google" ? `${brand} ${roboto.className}` : brand;
}

/** "Continue with <Provider>" on /login: the same size for every provider, each in its own colours. */
export function ProviderButton({ mark, label, pendingLabel }: { mark: ProviderMarkName; label: string; pendingLabel: string }) {
  return (
    <PendingButton className={brandClass(mark)} pendingLabel={pendingLabel} icon={<ProviderMark mark={mark} />}>
      {label}
    </PendingButton>
  );
}
