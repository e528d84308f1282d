/**
 * HTML for the Dev IdP's own pages. Every interpolated value goes through `escapeHtml`.
 * No external assets and no scripts; styles are inline (PAGE_CSP allows exactly that).
 */
import type { DevUser } from "./users";

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** CSP for our pages: no scripts, inline styles only, images from ourselves. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

const STYLES = `
  :root { color-scheme: light dark; --fg: #111827; --muted: #4b5563; --bg: #f3f4f6; --card: #ffffff; --border: #d1d5db; --accent: #1d4ed8; --accent-fg: #ffffff; --soft: #eff3fb; --warn-bg: #fff4e0; --warn-fg: #7a4500; --warn-border: #efd29a; --danger: #b91c1c; --danger-bg: #fdeeee; }
  @media (prefers-color-scheme: dark) { :root { --fg: #f3f4f6; --muted: #cbd0d8; --bg: #0f141c; --card: #18202b; --border: #3c4655; --accent: #93c5fd; --accent-fg: #0f172a; --soft: #1d2735; --warn-bg: #35280f; --warn-fg: #ffd88f; --warn-border: #6b5420; --danger: #fca5a5; --danger-bg: #3a181c; } }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); line-height: 1.5; }
  .strip { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem 0.75rem; padding: 0.6rem 1rem; background: var(--warn-bg); color: var(--warn-fg); border-bottom: 1px solid var(--warn-border); font-size: 0.9rem; }
  .strip strong { display: inline-flex; align-items: center; gap: 0.4rem; }
  .strip svg { width: 1.2rem; height: 1.2rem; fill: none; stroke: currentColor; stroke-width: 1.8; stroke-linecap: round; stroke-linejoin: round; }
  main { max-width: 30rem; margin: 2.5rem auto; padding: 2rem; background: var(--card); border: 1px solid var(--border); border-radius: 0.9rem; box-shadow: 0 8px 24px rgb(0 0 0 / 0.08); }
  @media (max-width: 32rem) { main { margin: 1rem; padding: 1.25rem; } }
  h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 0.5rem; }
  h2 { font-size: 1rem; margin: 1.75rem 0 0.5rem; }
  p { margin: 0.5rem 0; }
  .badge { display: inline-block; font-size: 0.75rem; font-weight: 700; text-transform: uppercase; letter-spacing: 0.05em; color: var(--warn-fg); background: var(--warn-bg); border: 1px solid var(--warn-border); border-radius: 999px; padding: 0.1rem 0.6rem; margin: 0 0 0.75rem; }
  .muted { color: var(--muted); font-size: 0.9rem; }
  .client { padding: 0.6rem 0.8rem; border-radius: 0.5rem; background: var(--soft); }
  .alert { color: var(--danger); background: var(--danger-bg); border: 1px solid currentColor; border-radius: 0.5rem; padding: 0.5rem 0.75rem; font-weight: 600; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input[type=email], input[type=password] { display: block; width: 100%; min-height: 2.75rem; margin-top: 0.3rem; padding: 0.6rem 0.75rem; font: inherit; color: inherit; background: var(--card); border: 1px solid var(--muted); border-radius: 0.5rem; }
  input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
  .actions { display: flex; flex-wrap: wrap; gap: 0.75rem; margin-top: 1.5rem; }
  button { font: inherit; font-weight: 600; min-height: 2.75rem; padding: 0.6rem 1.2rem; border-radius: 0.5rem; border: 1px solid var(--accent); cursor: pointer; }
  button.primary { background: var(--accent); color: var(--accent-fg); }
  button.secondary { background: transparent; color: var(--accent); }
  table { width: 100%; border-collapse: collapse; font-size: 0.88rem; }
  caption { text-align: left; padding-bottom: 0.4rem; }
  th, td { text-align: left; padding: 0.4rem 0.4rem; border-bottom: 1px solid var(--border); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; }
  td code { white-space: nowrap; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.92em; }
  a { color: var(--accent); }
`;

/** A lab flask: this provider exists for development and tests. */
const FLASK = `<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M9 3h6M10 3v6.2L4.6 18.4A2 2 0 0 0 6.3 21.5h11.4a2 2 0 0 0 1.7-3.1L14 9.2V3"/><path d="M7.2 15h9.6"/></svg>`;

export function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLES}</style>
</head>
<body>
<header class="strip">
<strong>${FLASK}Dev IdP</strong>
<span>A local test provider for development. Not a real identity service.</span>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}

const NOTICE = `<p class="badge">Local test provider</p>`;

export interface LoginPageOptions {
  formAction: string;
  cancelAction: string;
  csrfToken: string;
  users: readonly DevUser[];
  email?: string | undefined;
  error?: string | undefined;
  clientName: string;
}

export function loginPage(opts: LoginPageOptions): string {
  const users = opts.users
    .map(
      (u) =>
        `<tr><td><code>${escapeHtml(u.email)}</code><br><span class="muted">${escapeHtml(u.name)}${u.emailVerified ? "" : " (email not verified)"}</span></td><td><code>${escapeHtml(u.password)}</code></td></tr>`,
    )
    .join("\n");
  const error = opts.error ? `<p class="alert" role="alert" id="login-error">${escapeHtml(opts.error)}</p>` : "";
  const describedBy = opts.error ? ` aria-describedby="login-error" aria-invalid="true"` : "";
  return layout(
    "Dev IdP — sign in",
    `${NOTICE}
<h1>Dev IdP — sign in</h1>
<p>This is a <strong>local test identity provider</strong> standing in for Google during development and tests. Never use real credentials here: sign in as one of the test users listed below.</p>
<p class="client">Signing in to <strong>${escapeHtml(opts.clientName)}</strong>.</p>
${error}
<form method="post" action="${escapeHtml(opts.formAction)}" id="login-form">
<input type="hidden" name="csrf" value="${escapeHtml(opts.csrfToken)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(opts.email ?? "")}"${describedBy}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${describedBy}>
<div class="actions">
<button type="submit" class="primary">Sign in</button>
<button type="submit" class="secondary" form="cancel-form">Cancel</button>
</div>
</form>
<form method="post" action="${escapeHtml(opts.cancelAction)}" id="cancel-form">
<input type="hidden" name="csrf" value="${escapeHtml(opts.csrfToken)}">
</form>
<h2>Test users</h2>
<table>
<caption class="muted">Anyone can sign in as these people: the passwords are public test values.</caption>
<thead><tr><th scope="col">User</th><th scope="col">Password</th></tr></thead>
<tbody>
${users}
</tbody>
</table>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(
    `Dev IdP — ${title}`,
    `${NOTICE}
<h1>${escapeHtml(title)}</h1>
<p role="alert">${escapeHtml(message)}</p>
<p class="muted">Go back to the application and start signing in again.</p>`,
  );
}

/** Body for oidc-provider's `logoutSource`; `form` is oidc-provider's hidden xsrf form. */
export function logoutPage(form: string, clientName: string | undefined): string {
  const from = clientName ? ` You are signing out of <strong>${escapeHtml(clientName)}</strong>.` : "";
  return layout(
    "Dev IdP — sign out",
    `${NOTICE}
<h1>Sign out of Dev IdP?</h1>
<p>${from} Do you also want to end your session at the Dev IdP?</p>
${form}
<div class="actions">
<button type="submit" class="primary" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" class="secondary" form="op.logoutForm">Stay signed in to Dev IdP</button>
</div>`,
  );
}

export function signedOutPage(): string {
  return layout(
    "Dev IdP — signed out",
    `${NOTICE}
<h1>Signed out</h1>
<p>You have been signed out. You can close this page.</p>`,
  );
}

export function indexPage(issuer: string): string {
  return layout(
    "Dev IdP",
    `${NOTICE}
<h1>Dev IdP</h1>
<p>Local OpenID Connect provider for development and tests.</p>
<p>Discovery: <a href="${escapeHtml(`${issuer}/.well-known/openid-configuration`)}"><code>${escapeHtml(`${issuer}/.well-known/openid-configuration`)}</code></a></p>`,
  );
}
