/**
 * The Tailwind class lists that several components share: buttons, cards, notices, badges and the
 * page frame. Everything used once stays in its component's markup. Lists are combined on one
 * element only where they set different properties (a card that is also a stack): Tailwind does not
 * let a later class override an earlier one of the same property, so a variant is its own list
 * (button tones and sizes) rather than an override.
 */

/** The document body: header, page and footer in a column as tall as the window. */
export const body = "flex min-h-dvh flex-col bg-page text-fg";

/** The page between header and footer (the skip link moves focus here; it needs no ring). */
export const main = "flex-1 py-[clamp(1.5rem,4vw,3rem)] focus:outline-none";

/** The page's width and side padding. */
export const container = "mx-auto w-full max-w-[72rem] px-[clamp(1rem,3vw,2rem)]";

/** Children one under another, a steady gap apart. */
export const stack = "flex flex-col gap-4";

/** A panel's surface, for panels with a padding and shadow of their own. */
export const panel = "rounded-card border border-line bg-surface";

/** A raised panel. */
export const card = `${panel} p-[clamp(1.25rem,3vw,2rem)] shadow-card`;

/** Secondary text under a heading or a control. */
export const hint = "text-[0.92rem] text-muted";

/** A panel that opens under its <summary> (the account menu, "More" sign-out options). */
export const popover = "absolute top-[calc(100%+0.5rem)] right-0 z-30 rounded-card border border-line bg-surface p-2 shadow-popover";

export const buttonRow = "flex flex-wrap items-center gap-3";

/** A centred panel for 404, 503 and error pages. */
export const statusPage = `${card} ${stack} mx-auto mt-[clamp(0rem,4vw,3rem)] max-w-[30rem] text-center`;

/** The big number above a status page's heading. */
export const statusCode = "mb-1 text-5xl leading-none font-extrabold tracking-[-0.04em] text-accent";

const buttonBase =
  "inline-flex cursor-pointer items-center justify-center gap-[0.55rem] rounded-control border text-center leading-[1.2] no-underline transition-colors disabled:cursor-progress disabled:opacity-80";

const buttonSizes = {
  regular: "min-h-11 px-[1.1rem] py-[0.55rem]",
  small: "min-h-9 px-[0.9rem] py-[0.35rem]",
  /* The mark sits at the left edge and the label in the middle, as providers' own buttons do. */
  provider:
    "relative min-h-[3.1rem] w-full px-11 py-[0.55rem] [&>[aria-hidden]]:absolute [&>[aria-hidden]]:top-1/2 [&>[aria-hidden]]:left-[0.9rem] [&>[aria-hidden]]:-mt-[0.625em]",
};

/*
 * Brand buttons on /login, in each brand's published colours: the fill, stroke and text per theme
 * are set here, and hover and press lay the text colour over the fill at 8 % and 12 % (Google's
 * rule, applied to all three). Every button keeps the same size and weight as the others (Google
 * asks to be shown at least as prominently); the marks are never recoloured except Apple's and
 * GitHub's, which their owners ask to be drawn in the text colour.
 */
const brandColours =
  "border-(--brand-stroke) bg-(--brand-fill) text-(--brand-text) hover:border-(--brand-stroke) hover:bg-[color-mix(in_srgb,var(--brand-text)_8%,var(--brand-fill))] hover:text-(--brand-text) active:bg-[color-mix(in_srgb,var(--brand-text)_12%,var(--brand-fill))]";

const buttonTones = {
  primary: "border-transparent bg-accent font-semibold text-on-accent hover:bg-accent-hover hover:text-on-accent",
  secondary: "border-line-strong bg-surface font-semibold text-fg hover:bg-surface-2 hover:text-fg",
  ghost: "border-transparent bg-transparent font-semibold text-muted hover:bg-surface-2 hover:text-fg",
  /* A provider without brand rules (the Dev IdP, a generic OpenID provider). */
  provider: "border-line-strong bg-surface font-semibold text-fg hover:border-accent hover:bg-surface-2 hover:text-fg",
  /* developers.google.com/identity/branding-guidelines ("Create a custom button"): Roboto Medium
     (components/provider-button.tsx adds the font), the four-colour G, a fill, a 1px stroke and a text colour. */
  google: `font-medium ${brandColours} [--brand-fill:#ffffff] [--brand-stroke:#747775] [--brand-text:#1f1f1f] dark:[--brand-fill:#131314] dark:[--brand-stroke:#8e918f] dark:[--brand-text:#e3e3e3]`,
  /* developer.apple.com/design/human-interface-guidelines/sign-in-with-apple: black with a white
     logo and title on light backgrounds, white with black on dark ones, in the system font. */
  apple: `font-apple font-semibold ${brandColours} [--brand-fill:#000000] [--brand-stroke:#000000] [--brand-text:#ffffff] dark:[--brand-fill:#ffffff] dark:[--brand-stroke:#ffffff] dark:[--brand-text:#000000]`,
  /* learn.microsoft.com/entra/identity-platform/howto-add-branding-in-apps: the four-square logo,
     Segoe UI Semibold, #5E5E5E on white with a #8C8C8C border; white on #2F2F2F. */
  microsoft: `font-microsoft font-semibold ${brandColours} [--brand-fill:#ffffff] [--brand-stroke:#8c8c8c] [--brand-text:#5e5e5e] dark:[--brand-fill:#2f2f2f] dark:[--brand-stroke:#2f2f2f] dark:[--brand-text:#ffffff]`,
};

export type ButtonTone = keyof typeof buttonTones;

/** A button's classes (also for a link that looks like one). */
export function button(tone: ButtonTone, size: keyof typeof buttonSizes = "regular"): string {
  return `${buttonBase} ${buttonSizes[size]} ${buttonTones[tone]}`;
}

const noticeTones = {
  ok: "border-ok-line bg-ok-bg text-ok",
  warning: "border-warn-line bg-warn-bg text-warn [&_a]:font-semibold [&_a]:text-inherit",
  error: "border-error-line bg-error-bg text-error [&_a]:font-semibold [&_a]:text-inherit",
};

/** A message box: a result, a warning or an error. */
export function notice(tone: keyof typeof noticeTones): string {
  return `flex items-start gap-[0.65rem] rounded-control border px-4 py-3 ${noticeTones[tone]}`;
}

const badgeTones = {
  ok: "border-ok-line bg-ok-bg text-ok",
  warning: "border-error-line bg-error-bg text-error",
};

/** A small pill beside a heading: "Connected", "This device". */
export function badge(tone: keyof typeof badgeTones): string {
  return `inline-flex items-center rounded-full border px-[0.55rem] py-[0.1rem] align-[0.1em] text-[0.75rem] leading-[1.4] font-semibold ${badgeTones[tone]}`;
}

/** A row of the settings pages' lists (sessions, connected accounts). */
export const listItem = "flex flex-col gap-2 rounded-control border border-line bg-surface px-[1.1rem] py-[0.9rem] [&_form]:mt-1";

/** A column of rows: provider buttons, sessions, linked accounts. */
export const list = "flex flex-col gap-3";

/** A picture with text beside it, wrapping under it when narrow. */
export const profileRow = "flex flex-wrap items-center gap-5";

/** A heading row with a badge beside it. */
export const headingRow = "flex flex-wrap items-center gap-2";
