import Link from "next/link";

import { ArrowRightIcon, DevIdpMark, GitHubMark, GlobeIcon, GoogleMark, KeyIcon, LockIcon, ShieldIcon } from "@/components/icons";
import { button, buttonRow, card, container } from "@/components/styles";
import { verifySession } from "@/lib/dal";

const FEATURES = [
  {
    icon: <LockIcon />,
    title: "Your password stays with your provider",
    text: "You sign in on Google's, GitHub's or your organisation's own page. This app only receives a one-time code.",
  },
  {
    icon: <ShieldIcon />,
    title: "A session checked on every request",
    text: "An encrypted, HttpOnly cookie that the server verifies on every page, action and API call. See and end your sessions any time.",
  },
  {
    icon: <KeyIcon />,
    title: "Provider tokens kept private",
    text: "Encrypted at rest on the server, renewed behind the scenes, never sent to your browser.",
  },
  {
    icon: <GlobeIcon />,
    title: "Google, GitHub or any OpenID Connect provider",
    text: "Plus a built-in test provider, so the whole flow works on a laptop with no accounts and no internet.",
  },
] as const;

const STEPS = [
  ["You choose a provider", "“Continue with Google”, GitHub, or any OpenID Connect provider."],
  ["We send you there", "with a one-time PKCE challenge, state and nonce, so the answer can only come back to this browser."],
  ["You sign in at the provider", "Your password never touches this app."],
  ["The provider sends you back", "and the server exchanges the one-time code for tokens, privately."],
  ["We read your profile and remember you", "Your name, email and picture are stored; the provider's tokens stay on the server."],
  ["You get a session", "an encrypted, HttpOnly cookie that every page and API checks on the server."],
] as const;

const mockButton = "flex items-center gap-3 rounded-control border border-line-strong px-4 py-[0.7rem] font-semibold";
const section = "py-[clamp(1.5rem,4vw,3rem)]";
const sectionHead = "mb-6 max-w-[40rem] [&>p]:text-muted";
const sectionTitle = "mb-2 text-[clamp(1.35rem,1.15rem+0.8vw,1.75rem)]";
/** A numbered step: the number is a CSS counter drawn in a circle at the top left. */
const step =
  "relative rounded-card border border-line bg-surface py-[1.1rem] pr-[1.1rem] pl-[3.6rem] text-muted [counter-increment:step] before:absolute before:top-4 before:left-4 before:inline-flex before:size-[1.85rem] before:items-center before:justify-center before:rounded-full before:bg-accent before:text-[0.9rem] before:font-bold before:text-on-accent before:content-[counter(step)]";

export default async function LandingPage() {
  const user = await verifySession();
  return (
    <div className={container}>
      <section
        className="grid items-center gap-[clamp(2rem,5vw,4rem)] pt-[clamp(0.5rem,3vw,2.5rem)] pb-[clamp(2rem,5vw,4rem)] min-[56rem]:grid-cols-[1.15fr_1fr]"
        aria-labelledby="hero-title"
      >
        <div>
          <p className="mb-[0.9rem] inline-flex items-center gap-[0.4rem] rounded-full bg-accent-soft px-[0.7rem] py-[0.2rem] text-[0.82rem] font-semibold text-accent">
            OAuth 2.0 · OpenID Connect
          </p>
          <h1 id="hero-title" className="mb-4 text-[clamp(2rem,1.3rem+3vw,3.2rem)] tracking-[-0.03em]">
            Sign in with the account you already have
          </h1>
          <p className="mb-7 max-w-[38rem] text-[clamp(1.05rem,1rem+0.3vw,1.2rem)] text-muted">
            This app signs people in with OAuth 2.0 and OpenID Connect, keeps them in a database, and protects its pages and API with a
            server-checked session.
          </p>
          <div className={buttonRow}>
            {user ? (
              <Link href="/dashboard" className={button("primary")}>
                Go to your dashboard
                <ArrowRightIcon />
              </Link>
            ) : (
              <Link href="/login" className={button("primary")}>
                Sign in
                <ArrowRightIcon />
              </Link>
            )}
            <a href="#how-it-works" className={button("secondary")}>
              How it works
            </a>
          </div>
        </div>
        {/* A picture of the sign-in page, not a second set of buttons: hidden from assistive technology.
            On a phone, the real page is one tap away. */}
        <div
          className="flex w-full max-w-96 flex-col gap-3 justify-self-center rounded-[20px] border border-line bg-surface p-6 shadow-popover max-sm:hidden"
          aria-hidden="true"
        >
          <p className="mb-1 text-[1.15rem] font-bold">Sign in</p>
          <div className={mockButton}>
            <GoogleMark />
            Continue with Google
          </div>
          <div className={mockButton}>
            <GitHubMark />
            Continue with GitHub
          </div>
          <div className={mockButton}>
            <DevIdpMark />
            Continue with Dev IdP
          </div>
          <div className="mt-2 flex items-center gap-[0.6rem] rounded-control bg-ok-bg px-[0.85rem] py-[0.65rem] text-[0.9rem] font-semibold text-ok">
            <ShieldIcon />
            Session: encrypted, HttpOnly, checked by the server
          </div>
        </div>
      </section>

      <section className={section} aria-labelledby="why">
        <div className={sectionHead}>
          <h2 id="why" className={sectionTitle}>
            What you get
          </h2>
          <p>Sign-in done properly, with nothing for you to remember but the account you already use.</p>
        </div>
        <ul className="grid grid-cols-[repeat(auto-fit,minmax(15rem,1fr))] gap-4">
          {FEATURES.map((feature) => (
            <li key={feature.title} className={`${card} flex flex-col gap-[0.35rem]`}>
              <span className="mb-2 inline-flex size-10 items-center justify-center rounded-control bg-accent-soft text-accent">
                {feature.icon}
              </span>
              <h3 className="mb-2">{feature.title}</h3>
              <p className="text-muted">{feature.text}</p>
            </li>
          ))}
        </ul>
      </section>

      <section className={section} aria-labelledby="how-it-works">
        <div className={sectionHead}>
          <h2 id="how-it-works" className={sectionTitle}>
            How signing in works
          </h2>
          <p>Six steps, most of them between servers, none of them asking you for anything new.</p>
        </div>
        <ol className="grid grid-cols-[repeat(auto-fit,minmax(16rem,1fr))] gap-4 [counter-reset:step]">
          {STEPS.map(([title, detail]) => (
            <li key={title} className={step}>
              <strong className="block text-fg">{title}</strong> {detail}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
