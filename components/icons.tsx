import type { ReactNode } from "react";

import type { ProviderMarkName } from "@/lib/providers/definition";

/**
 * Inline SVG marks and icons. Inline (not files under public/) because the proxy treats every
 * unknown path as protected, so an anonymous visitor could not load an image file from us; and
 * inline SVG costs no request. All decorative: the text beside them carries the meaning.
 */

/** An icon is 1.25 em square, so it follows the text size beside it. */
const ICON = "size-[1.25em] flex-none";

function Svg({ children, viewBox = "0 0 24 24", className = ICON }: { children: ReactNode; viewBox?: string; className?: string }) {
  return (
    <svg className={className} viewBox={viewBox} aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

/** Line icons drawn with the text colour. */
function Line({ children, className = ICON }: { children: ReactNode; className?: string }) {
  return (
    <Svg className={className}>
      <g fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round">
        {children}
      </g>
    </Svg>
  );
}

/** The app's mark in the accent colour: 2 rem in the header, larger on /login (`className`). */
export function LogoMark({ className = "size-8 flex-none" }: { className?: string }) {
  return (
    <Svg viewBox="0 0 32 32" className={className}>
      <rect className="fill-accent" width="32" height="32" rx="9" />
      <g className="stroke-on-accent" fill="none" strokeWidth="2.6" strokeLinecap="round" strokeLinejoin="round">
        <circle cx="11.5" cy="16" r="4.5" />
        <path d="M16 16h10M22.5 16v4M26 16v3" />
      </g>
    </Svg>
  );
}

export function GoogleMark() {
  return (
    <Svg viewBox="0 0 48 48">
      <path
        fill="#EA4335"
        d="M24 9.5c3.54 0 6.71 1.22 9.21 3.6l6.85-6.85C35.9 2.38 30.47 0 24 0 14.62 0 6.51 5.38 2.56 13.22l7.98 6.19C12.43 13.72 17.74 9.5 24 9.5z"
      />
      <path
        fill="#4285F4"
        d="M46.98 24.55c0-1.57-.15-3.09-.38-4.55H24v9.02h12.94c-.58 2.96-2.26 5.48-4.78 7.18l7.73 6c4.51-4.18 7.09-10.36 7.09-17.65z"
      />
      <path
        fill="#FBBC05"
        d="M10.53 28.59c-.48-1.45-.76-2.99-.76-4.59s.27-3.14.76-4.59l-7.98-6.19C.92 16.46 0 20.12 0 24c0 3.88.92 7.54 2.56 10.78l7.97-6.19z"
      />
      <path
        fill="#34A853"
        d="M24 48c6.48 0 11.93-2.13 15.89-5.81l-7.73-6c-2.15 1.45-4.92 2.3-8.16 2.3-6.26 0-11.57-4.22-13.47-9.91l-7.98 6.19C6.51 42.62 14.62 48 24 48z"
      />
    </Svg>
  );
}

export function GitHubMark() {
  return (
    <Svg viewBox="0 0 16 16">
      <path
        fill="currentColor"
        d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0 0 16 8c0-4.42-3.58-8-8-8z"
      />
    </Svg>
  );
}

/** Microsoft's four squares (its sign-in button guidelines' logo). */
export function MicrosoftMark() {
  return (
    <Svg viewBox="0 0 21 21">
      <path fill="#F25022" d="M1 1h9v9H1z" />
      <path fill="#7FBA00" d="M11 1h9v9h-9z" />
      <path fill="#00A4EF" d="M1 11h9v9H1z" />
      <path fill="#FFB900" d="M11 11h9v9h-9z" />
    </Svg>
  );
}

/** An apple with a leaf, in the text colour: black on light buttons, white on dark (Apple's button rules). */
export function AppleMark() {
  return (
    <Svg viewBox="0 0 24 24">
      <path
        fill="currentColor"
        d="M16.4 12.6c0-2.3 1.9-3.4 2-3.5-1.1-1.6-2.8-1.8-3.4-1.8-1.4-.1-2.8.9-3.5.9s-1.8-.9-3-.8c-1.5 0-3 .9-3.8 2.3-1.6 2.8-.4 7 1.2 9.3.8 1.1 1.7 2.4 2.9 2.3 1.2 0 1.6-.7 3-.7s1.8.7 3 .7c1.3 0 2.1-1.1 2.8-2.3.9-1.3 1.3-2.6 1.3-2.7 0 0-2.5-1-2.5-3.7zM14.1 5.8c.6-.8 1.1-1.8 1-2.8-.9 0-2 .6-2.7 1.4-.6.7-1.1 1.7-1 2.7 1 .1 2-.5 2.7-1.3z"
      />
    </Svg>
  );
}

/** The OpenID mark's shape: an upright bar with an arc around it. */
export function OpenIdMark() {
  return (
    <Svg viewBox="0 0 24 24">
      <path fill="#F7931E" d="M10.6 3.2 14 1.5v21l-3.4 1.5z" />
      <path
        fill="none"
        stroke="#8A8F98"
        strokeWidth="2"
        d="M9.4 8.2C5.2 8.9 2.2 11.2 2.2 14c0 2.9 3.2 5.3 7.6 5.9M15.2 8.2c1.8.2 3.4.7 4.7 1.5"
      />
      <path fill="#8A8F98" d="m22.6 7.9-.1 4.6-4-2.3z" />
    </Svg>
  );
}

/** A lab flask: the Dev IdP is a test provider. */
export function DevIdpMark() {
  return (
    <Line>
      <path d="M9 3h6M10 3v6.2L4.6 18.4A2 2 0 0 0 6.3 21.5h11.4a2 2 0 0 0 1.7-3.1L14 9.2V3" />
      <path d="M7.2 15h9.6" />
    </Line>
  );
}

/** The mark on a provider's button (its definition names it, lib/providers/definitions/); anything else is OpenID Connect's. */
export function ProviderMark({ mark }: { mark: ProviderMarkName | undefined }) {
  switch (mark) {
    case "google":
      return <GoogleMark />;
    case "github":
      return <GitHubMark />;
    case "microsoft":
      return <MicrosoftMark />;
    case "apple":
      return <AppleMark />;
    case "dev-idp":
      return <DevIdpMark />;
    default:
      return <OpenIdMark />;
  }
}

export function ChevronDown() {
  return (
    <Line className="size-4 flex-none text-muted transition-transform group-open:rotate-180">
      <path d="m6 9 6 6 6-6" />
    </Line>
  );
}

export function UserIcon() {
  return (
    <Line>
      <circle cx="12" cy="8" r="4" />
      <path d="M4 21c0-4 3.6-6.5 8-6.5s8 2.5 8 6.5" />
    </Line>
  );
}

export function LinkIcon() {
  return (
    <Line>
      <path d="M10 14a4.5 4.5 0 0 0 6.4 0l3.2-3.2a4.5 4.5 0 0 0-6.4-6.4L11.8 5.8" />
      <path d="M14 10a4.5 4.5 0 0 0-6.4 0l-3.2 3.2a4.5 4.5 0 0 0 6.4 6.4l1.4-1.4" />
    </Line>
  );
}

export function DevicesIcon() {
  return (
    <Line>
      <rect x="2.5" y="4.5" width="14" height="10" rx="1.5" />
      <path d="M6 19h7M9.5 14.5V19" />
      <rect x="17.5" y="9" width="4.5" height="10.5" rx="1" />
    </Line>
  );
}

export function ActivityIcon() {
  return (
    <Line>
      <path d="M3 12h4l3-8 4 16 3-8h4" />
    </Line>
  );
}

export function HomeIcon() {
  return (
    <Line>
      <path d="M3.5 10.5 12 3.5l8.5 7" />
      <path d="M5.5 9v11h13V9" />
    </Line>
  );
}

export function SignOutIcon() {
  return (
    <Line>
      <path d="M9.5 4H5.5A1.5 1.5 0 0 0 4 5.5v13A1.5 1.5 0 0 0 5.5 20h4" />
      <path d="m15 8 4 4-4 4M19 12H9" />
    </Line>
  );
}

export function AlertIcon() {
  return (
    <Line className={`${ICON} mt-[0.1rem]`}>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7.5v5.5M12 16.5v.01" />
    </Line>
  );
}

export function LockIcon() {
  return (
    <Line>
      <rect x="4.5" y="10.5" width="15" height="10" rx="2" />
      <path d="M8 10.5V7.5a4 4 0 0 1 8 0v3" />
    </Line>
  );
}

export function ShieldIcon() {
  return (
    <Line>
      <path d="M12 3 4.5 6v5.5c0 4.6 3.2 8.2 7.5 9.5 4.3-1.3 7.5-4.9 7.5-9.5V6z" />
      <path d="m9 12 2.2 2.2L15.5 10" />
    </Line>
  );
}

export function KeyIcon() {
  return (
    <Line>
      <circle cx="8" cy="12" r="4" />
      <path d="M12 12h9M17.5 12v3.5M21 12v2.5" />
    </Line>
  );
}

export function GlobeIcon() {
  return (
    <Line>
      <circle cx="12" cy="12" r="9" />
      <path d="M3 12h18M12 3c2.5 2.7 3.7 5.7 3.7 9s-1.2 6.3-3.7 9c-2.5-2.7-3.7-5.7-3.7-9S9.5 5.7 12 3z" />
    </Line>
  );
}

export function ArrowRightIcon() {
  return (
    <Line>
      <path d="M5 12h14M13 6l6 6-6 6" />
    </Line>
  );
}
