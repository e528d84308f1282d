/**
 * HTML for the Dev IdP's own pages. Every interpolated value goes through `escapeHtml`.
 * No external assets; styles are inline.
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
  :root { color-scheme: light dark; --fg: #111827; --muted: #4b5563; --bg: #f3f4f6; --card: #ffffff; --border: #d1d5db; --accent: #1d4ed8; --danger: #b91c1c; }
  @media (prefers-color-scheme: dark) { :root { --fg: #f9fafb; --muted: #d1d5db; --bg: #111827; --card: #1f2937; --border: #4b5563; --accent: #93c5fd; --danger: #fca5a5; } }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); line-height: 1.5; }
  main { max-width: 28rem; margin: 3rem auto; padding: 2rem; background: var(--card); border: 1px solid var(--border); border-radius: 0.75rem; }
  h1 { font-size: 1.5rem; margin: 0 0 0.5rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 0.5rem; }
  p { margin: 0.5rem 0; }
  .badge { display: inline-block; font-size: 0.75rem; font-weight: 600; text-transform: uppercase; letter-spacing: 0.05em; color: var(--danger); border: 1px solid currentColor; border-radius: 999px; padding: 0.1rem 0.6rem; margin-bottom: 0.75rem; }
  .muted { color: var(--muted); font-size: 0.9rem; }
  .alert { color: var(--danger); border: 1px solid currentColor; border-radius: 0.5rem; padding: 0.5rem 0.75rem; font-weight: 600; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input[type=email], input[type=password] { display: block; width: 100%; margin-top: 0.25rem; padding: 0.6rem 0.75rem; font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: 0.5rem; }
  input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
  .actions { display: flex; gap: 0.75rem; margin-top: 1.5rem; }
  button { font: inherit; font-weight: 600; padding: 0.6rem 1.2rem; border-radius: 0.5rem; border: 1px solid var(--accent); cursor: pointer; }
  button.primary { background: var(--accent); color: var(--card); }
  button.secondary { background: transparent; color: var(--accent); }
  table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
  th, td { text-align: left; padding: 0.3rem 0.4rem; border-bottom: 1px solid var(--border); }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; }
  a { color: var(--accent); }
`;

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
        `<tr><td><code>${escapeHtml(u.email)}</code></td><td><code>${escapeHtml(u.password)}</code></td><td>${escapeHtml(u.name)}${u.emailVerified ? "" : " (email not verified)"}</td></tr>`,
    )
    .join("\n");
  const error = opts.error ? `<p class="alert" role="alert" id="login-error">${escapeHtml(opts.error)}</p>` : "";
  const describedBy = opts.error ? ` aria-describedby="login-error" aria-invalid="true"` : "";
  return layout(
    "Dev IdP — sign in",
    `${NOTICE}
<h1>Dev IdP — sign in</h1>
<p>This is a <strong>local test identity provider</strong> standing in for Google during development and tests. Never use real credentials here.</p>
<p class="muted">Signing in to <strong>${escapeHtml(opts.clientName)}</strong>.</p>
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
<caption class="muted">All passwords are public test values.</caption>
<thead><tr><th scope="col">Email</th><th scope="col">Password</th><th scope="col">Name</th></tr></thead>
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
