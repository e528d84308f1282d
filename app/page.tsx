import Link from "next/link";

import { verifySession } from "@/lib/dal";

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
    <div className="landing">
      <section className="hero">
        <h1>Sign in with the account you already have</h1>
        <p className="lead">
          This app signs people in with OAuth 2.0 and OpenID Connect, keeps them in a database, and protects its
          pages and API with a server-checked session.
        </p>
        {user ? (
          <Link href="/dashboard" className="button button-primary">
            Go to your dashboard
          </Link>
        ) : (
          <Link href="/login" className="button button-primary">
            Sign in
          </Link>
        )}
      </section>
      <section aria-labelledby="how-it-works">
        <h2 id="how-it-works">How signing in works</h2>
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
