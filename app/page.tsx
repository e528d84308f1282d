import Link from "next/link";

import { ArrowRightIcon, DevIdpMark, GitHubMark, GlobeIcon, GoogleMark, KeyIcon, LockIcon, ShieldIcon } from "@/components/icons";
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

export default async function LandingPage() {
  const user = await verifySession();
  return (
    <div className="container">
      <section className="hero" aria-labelledby="hero-title">
        <div>
          <p className="eyebrow">OAuth 2.0 · OpenID Connect</p>
          <h1 id="hero-title">Sign in with the account you already have</h1>
          <p className="lead">
            This app signs people in with OAuth 2.0 and OpenID Connect, keeps them in a database, and protects its pages and API with a
            server-checked session.
          </p>
          <div className="button-row">
            {user ? (
              <Link href="/dashboard" className="button button-primary">
                Go to your dashboard
                <ArrowRightIcon />
              </Link>
            ) : (
              <Link href="/login" className="button button-primary">
                Sign in
                <ArrowRightIcon />
              </Link>
            )}
            <a href="#how-it-works" className="button button-secondary">
              How it works
            </a>
          </div>
        </div>
        {/* A picture of the sign-in page, not a second set of buttons: hidden from assistive technology. */}
        <div className="hero-visual" aria-hidden="true">
          <p className="hero-visual-title">Sign in</p>
          <div className="mock-button">
            <GoogleMark />
            Continue with Google
          </div>
          <div className="mock-button">
            <GitHubMark />
            Continue with GitHub
          </div>
          <div className="mock-button">
            <DevIdpMark />
            Continue with Dev IdP
          </div>
          <div className="mock-session">
            <ShieldIcon />
            Session: encrypted, HttpOnly, checked by the server
          </div>
        </div>
      </section>

      <section className="section" aria-labelledby="why">
        <div className="section-head">
          <h2 id="why">What you get</h2>
          <p>Sign-in done properly, with nothing for you to remember but the account you already use.</p>
        </div>
        <ul className="feature-grid">
          {FEATURES.map((feature) => (
            <li key={feature.title} className="card feature">
              <span className="feature-icon">{feature.icon}</span>
              <h3>{feature.title}</h3>
              <p>{feature.text}</p>
            </li>
          ))}
        </ul>
      </section>

      <section className="section" aria-labelledby="how-it-works">
        <div className="section-head">
          <h2 id="how-it-works">How signing in works</h2>
          <p>Six steps, most of them between servers, none of them asking you for anything new.</p>
        </div>
        <ol className="steps">
          {STEPS.map(([title, detail]) => (
            <li key={title}>
              <strong>{title}</strong> {detail}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
