/**
 * Signing in at the Dev IdP: the login page and its form (`/interaction/:uid`, `.../login`,
 * `.../cancel`), consent granted silently for our first-party clients, and the pages of
 * RP-initiated logout (the confirmation and "signed out").
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

import type Provider from "oidc-provider";
import type { Configuration, Interaction, InteractionResults } from "oidc-provider";
import type { Context } from "koa";

import { HttpError, readForm, sendHtml } from "./http";
import { KNOWN_SCOPES } from "./scopes";
import { DEV_USERS, verifyCredentials, type DevUser } from "./users";
import { loginPage, logoutPage, signedOutPage } from "./views";

type RpInitiatedLogout = NonNullable<NonNullable<Configuration["features"]>["rpInitiatedLogout"]>;

/** oidc-provider's RP-initiated logout pages, in the Dev IdP's own look. */
export const logoutPages: Pick<RpInitiatedLogout, "logoutSource" | "postLogoutSuccessSource"> = {
  logoutSource: (ctx, form) => {
    sendHtml(ctx, 200, logoutPage(form, ctx.oidc.client?.clientId));
  },
  postLogoutSuccessSource: (ctx) => {
    sendHtml(ctx, 200, signedOutPage());
  },
};

export interface InteractionDeps {
  provider: Provider;
  /** Who can sign in (the login page lists only the built-in users). */
  users: readonly DevUser[];
  /** Shown on the login page: the main client's id. */
  clientName: string;
}

/** Handles `/interaction/:uid` (GET) and `/interaction/:uid/login|cancel` (POST, `action`). */
export type InteractionRoutes = (ctx: Context, uid: string, action: string | undefined) => Promise<void>;

interface Interactions extends InteractionDeps {
  csrf: InteractionCsrf;
}

export function createInteractionRoutes(deps: InteractionDeps): InteractionRoutes {
  const interactions: Interactions = { ...deps, csrf: interactionCsrf() };
  return async (ctx, uid, action) => {
    if (action === undefined && ctx.method === "GET") {
      await showInteraction(interactions, ctx, uid);
      return;
    }
    if ((action === "login" || action === "cancel") && ctx.method === "POST") {
      await submitLoginForm(interactions, ctx, uid, action);
      return;
    }
    throw new HttpError(405, "Not allowed", "This address does not accept that request.");
  };
}

async function showInteraction(interactions: Interactions, ctx: Context, uid: string): Promise<void> {
  const interaction = await loadInteraction(interactions.provider, ctx, uid);
  if (interaction.prompt.name === "login") {
    renderLogin(interactions, ctx, interaction, 200);
    return;
  }
  if (interaction.prompt.name === "consent" && interaction.session?.accountId) {
    // First-party client: grant silently, including for prompt=consent.
    const grantId = await autoConsent(interactions.provider, interaction, interaction.session.accountId);
    await finish(interactions.provider, ctx, { consent: { grantId } }, true);
    return;
  }
  throw new HttpError(400, "Unsupported request", `The Dev IdP cannot handle the "${interaction.prompt.name}" step.`);
}

async function submitLoginForm(interactions: Interactions, ctx: Context, uid: string, action: "login" | "cancel"): Promise<void> {
  const { provider } = interactions;
  const form = await readForm(ctx);
  const interaction = await loadInteraction(provider, ctx, uid);
  if (!interactions.csrf.isValid(interaction.uid, form.get("csrf"))) {
    throw new HttpError(403, "Request refused", "The form could not be verified. Reload the sign-in page and try again.");
  }
  if (action === "cancel") {
    await finish(provider, ctx, { error: "access_denied", error_description: "End-User cancelled the sign-in" }, false);
    return;
  }
  if (interaction.prompt.name !== "login") {
    throw new HttpError(400, "Unsupported request", "This sign-in request is not waiting for a login.");
  }
  const email = form.get("email") ?? "";
  const password = form.get("password") ?? "";
  const user = verifyCredentials(email, password, interactions.users);
  if (!user) {
    renderLogin(interactions, ctx, interaction, 401, email, "Wrong email or password.");
    return;
  }
  // Log in and consent in one step so the user goes straight back to the app.
  const grantId = await autoConsent(provider, interaction, user.sub);
  await finish(provider, ctx, { login: { accountId: user.sub }, consent: { grantId } }, false);
}

/** Grants our (first-party) client everything it asked for: no consent screen. */
async function autoConsent(provider: Provider, interaction: Interaction, accountId: string): Promise<string> {
  const clientId = String(interaction.params.client_id);
  let grant = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  if (grant && (grant.accountId !== accountId || grant.clientId !== clientId)) grant = undefined;
  grant ??= new provider.Grant({ accountId, clientId });
  const requested =
    typeof interaction.params.scope === "string" ? interaction.params.scope.split(" ").filter((s) => KNOWN_SCOPES.has(s)) : [];
  grant.addOIDCScope(requested);
  const details = interaction.prompt.details;
  if (Array.isArray(details.missingOIDCScope)) grant.addOIDCScope(details.missingOIDCScope as string[]);
  if (Array.isArray(details.missingOIDCClaims)) grant.addOIDCClaims(details.missingOIDCClaims as string[]);
  return grant.save();
}

async function loadInteraction(provider: Provider, ctx: Context, uid: string): Promise<Interaction> {
  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    throw new HttpError(400, "Sign-in expired", "This sign-in request has expired or was already completed.");
  }
  if (interaction.uid !== uid) {
    throw new HttpError(400, "Sign-in expired", "This sign-in request does not match your browser session.");
  }
  return interaction;
}

function renderLogin(interactions: Interactions, ctx: Context, interaction: Interaction, status: number, email?: string, error?: string) {
  const base = `/interaction/${encodeURIComponent(interaction.uid)}`;
  const loginHint = typeof interaction.params.login_hint === "string" ? interaction.params.login_hint : undefined;
  sendHtml(
    ctx,
    status,
    loginPage({
      formAction: `${base}/login`,
      cancelAction: `${base}/cancel`,
      csrfToken: interactions.csrf.tokenFor(interaction.uid),
      users: DEV_USERS,
      email: email ?? loginHint,
      error,
      clientName: interactions.clientName,
    }),
  );
}

async function finish(provider: Provider, ctx: Context, result: InteractionResults, merge: boolean) {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
  ctx.set("Cache-Control", "no-store");
  ctx.status = 303;
  ctx.redirect(returnTo);
}

interface InteractionCsrf {
  tokenFor(uid: string): string;
  isValid(uid: string, token: string | null): boolean;
}

/** The login form's CSRF token: an HMAC of the interaction's uid under a key that lives as long as this IdP. */
function interactionCsrf(): InteractionCsrf {
  const secret = randomBytes(32);
  const tokenFor = (uid: string) => createHmac("sha256", secret).update(`interaction:${uid}`).digest("base64url");
  return {
    tokenFor,
    isValid(uid, token) {
      if (!token) return false;
      const expected = Buffer.from(tokenFor(uid));
      const actual = Buffer.from(token);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}
