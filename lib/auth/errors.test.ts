import {
  AccessDenied,
  CallbackRouteError,
  InvalidCheck,
  OAuthAccountNotLinked,
  OAuthCallbackError,
  OAuthProfileParseError,
} from "@auth/core/errors";
import { describe, expect, it } from "vitest";

import { withAuthContext } from "@/lib/auth/request-context";
import { AccountNotAllowedError, ProviderUnavailableError } from "@/lib/providers/errors";
import { ProfileError } from "@/lib/providers/profile";
import {
  describeAuthError,
  LinkNotRequestedError,
  LinkSessionInvalidError,
  ProviderAccountMismatchError,
  recordAuthError,
  SIGN_IN_ERRORS,
  signInErrorCode,
  signInErrorFromQuery,
  withSignInErrorCodes,
} from "@/lib/auth/errors";

// Auth.js wraps the underlying error this way in its callback route and profile parsing (its public types only admit a string).
const callbackRouteError = (cause: unknown): Error => new (CallbackRouteError as unknown as new (cause: unknown) => Error)(cause);
const profileParseError = (cause: unknown): Error => new (OAuthProfileParseError as unknown as new (cause: unknown) => Error)(cause);

function networkFailure(code: string): TypeError {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:3001`), { code }) });
}

function operationError(message: string, code: string): Error {
  // As a production build leaves it: the class name minified, the code intact.
  return Object.assign(new Error(message), { name: "e_", code });
}

function callbackErrorForRoute(): Error {
  return new OAuthCallbackError("OAuth Provider returned an error", { providerId: "dev-idp" } as never);
}

describe("signInErrorCode", () => {
  // Built the way Auth.js builds it: the provider's parameters do not survive into the error.
  const callbackError = () =>
    new OAuthCallbackError("OAuth Provider returned an error", { providerId: "dev-idp", error: "access_denied" } as never);

  it("recognises a sign-in the person cancelled at the provider", () => {
    expect(signInErrorCode(callbackError(), "access_denied")).toBe("access_denied");
  });

  it("reports other provider errors without echoing them", () => {
    expect(signInErrorCode(callbackError(), "server_error")).toBe("provider_error");
    expect(signInErrorCode(callbackError(), null)).toBe("provider_error");
  });

  it("tells a person an operator's setting keeps out that their account is not allowed, not that they cancelled", () => {
    // Auth.js wraps whatever the signIn callback throws in AccessDenied (its types admit only a string).
    const refused = new (AccessDenied as unknown as new (cause: unknown) => Error)(
      new AccountNotAllowedError("google", "not a Workspace account"),
    );
    expect(signInErrorCode(refused)).toBe("account_not_allowed");
    expect(SIGN_IN_ERRORS.account_not_allowed).not.toMatch(/Workspace|google/i);
  });

  it("treats a missing or foreign state, PKCE or nonce cookie as a stale attempt", () => {
    expect(signInErrorCode(new InvalidCheck("state value could not be parsed"))).toBe("state_mismatch");
    const wrapped = callbackRouteError(operationError('unexpected "state" response parameter value', "OAUTH_INVALID_RESPONSE"));
    expect(signInErrorCode(wrapped)).toBe("state_mismatch");
  });

  it("recognises an unreachable or slow provider", () => {
    expect(signInErrorCode(callbackRouteError(networkFailure("ECONNREFUSED")))).toBe("provider_unreachable");
    expect(signInErrorCode(callbackRouteError(new DOMException("timed out", "TimeoutError")))).toBe("provider_unreachable");
    expect(signInErrorCode(operationError("bad status", "OAUTH_RESPONSE_IS_NOT_CONFORM"))).toBe("provider_unreachable");
  });

  it("refuses an answer that fails verification (wrong iss, bad ID token, replayed code)", () => {
    const iss = operationError('unexpected "iss" (issuer) response parameter value', "OAUTH_INVALID_RESPONSE");
    expect(signInErrorCode(callbackRouteError(iss))).toBe("invalid_response");
    const grant = Object.assign(new Error("server responded with an error"), {
      name: "rU",
      code: "OAUTH_RESPONSE_BODY_ERROR",
      error: "invalid_grant",
    });
    expect(signInErrorCode(callbackRouteError(grant))).toBe("invalid_response");
  });

  it("answers an address that belongs to another account with the generic failure, so the address is not confirmed as registered", () => {
    expect(signInErrorCode(new OAuthAccountNotLinked("exists"))).toBe("signin_failed");
    expect(SIGN_IN_ERRORS.account_not_linked).toBe(SIGN_IN_ERRORS.signin_failed);
  });

  it("explains a link that was not asked for, and a link from a session that has ended", () => {
    const wrap = (err: Error) => callbackRouteError(Object.assign(new Error("adapter"), { type: "AdapterError", cause: { err } }));
    expect(signInErrorCode(wrap(new LinkNotRequestedError("oidc")))).toBe("link_not_requested");
    expect(signInErrorCode(wrap(new LinkSessionInvalidError()))).toBe("session_expired");
  });

  it("explains a reconnect that came back as another account at the provider", () => {
    const adapterError = Object.assign(new Error("adapter"), {
      type: "AdapterError",
      cause: { err: new ProviderAccountMismatchError("dev-idp") },
    });
    expect(signInErrorCode(callbackRouteError(adapterError))).toBe("provider_account_mismatch");
  });

  it("falls back to a generic message for anything else", () => {
    expect(signInErrorCode(new Error("boom"))).toBe("signin_failed");
    expect(signInErrorCode(undefined)).toBe("signin_failed");
  });

  it("maps Auth.js's denial from the signIn callback", () => {
    expect(signInErrorCode(new AccessDenied("AccessDenied"))).toBe("access_denied");
  });
});

describe("signInErrorFromQuery", () => {
  it("accepts our codes and Auth.js's, and never passes arbitrary text through", () => {
    expect(signInErrorFromQuery("state_mismatch")).toBe("state_mismatch");
    expect(signInErrorFromQuery("OAuthAccountNotLinked")).toBe("signin_failed");
    expect(signInErrorFromQuery("Configuration")).toBe("signin_failed");
    expect(signInErrorFromQuery("<script>alert(1)</script>")).toBe("signin_failed");
    expect(signInErrorFromQuery("toString")).toBe("signin_failed");
    expect(signInErrorFromQuery(undefined)).toBeNull();
  });

  it("has a sentence for every code", () => {
    for (const message of Object.values(SIGN_IN_ERRORS)) expect(message).toMatch(/\.$/);
  });
});

describe("describeAuthError", () => {
  it("is one line, with the cause chain and without provider-controlled line breaks", () => {
    const line = describeAuthError(callbackRouteError(new Error("first\nsecond")));
    expect(line).toContain("CallbackRouteError");
    expect(line).toContain("first");
    expect(line).not.toContain("\n");
  });
});

describe("withSignInErrorCodes", () => {
  it("answers Auth.js's error endpoint (a relative Location) with our code only, never the text it was given", async () => {
    const handler = withAuthContext(
      withSignInErrorCodes(async (_request: Request) => {
        return new Response(null, { status: 302, headers: { location: "/login?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E" } });
      }),
    );
    const response = await handler(new Request("http://localhost:3000/api/auth/error?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("http://localhost:3000/login?error=signin_failed");
  });

  it("rewrites Auth.js's /login?error=Configuration with the code of the error it logged", async () => {
    const handler = withAuthContext(
      withSignInErrorCodes(async (_request: Request) => {
        recordAuthError(new InvalidCheck("pkceCodeVerifier value could not be parsed"));
        const headers = new Headers({ location: "http://localhost:3000/login?error=Configuration" });
        headers.append("set-cookie", "a=1; Path=/");
        headers.append("set-cookie", "b=2; Path=/");
        return new Response(null, { status: 302, headers });
      }),
    );
    const response = await handler(new Request("http://localhost:3000/api/auth/callback/dev-idp?code=x&state=y"));
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("http://localhost:3000/login?error=state_mismatch");
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
  });

  it("sends a callback whose profile Auth.js could not read (its bare redirect to its sign-in page) to /login with our code", async () => {
    const unread = (logged: unknown, url: string) =>
      withAuthContext(
        withSignInErrorCodes(async (_request: Request) => {
          if (logged !== undefined) recordAuthError(logged);
          return new Response(null, { status: 302, headers: { location: "http://localhost:3000/api/auth/signin" } });
        }),
      )(new Request(url));
    // What Auth.js logs when the profile callback throws: the provider's userinfo endpoint was down.
    const down = profileParseError(new ProviderUnavailableError("oidc", "userinfo: HTTP 503"));
    const failed = await unread(down, "http://localhost:3000/api/auth/callback/oidc?code=x&state=y");
    expect(failed.headers.get("location")).toBe("http://localhost:3000/login?error=provider_unreachable");
    const noSubject = await unread(
      profileParseError(new ProfileError("no subject")),
      "http://localhost:3000/api/auth/callback/oidc?code=x",
    );
    expect(noSubject.headers.get("location")).toBe("http://localhost:3000/login?error=signin_failed");
    // Auth.js's sign-in page reached any other way, with nothing logged, is left alone.
    expect((await unread(undefined, "http://localhost:3000/api/auth/callback/oidc?code=x")).headers.get("location")).toBe(
      "http://localhost:3000/api/auth/signin",
    );
    expect((await unread(down, "http://localhost:3000/api/auth/signin/oidc")).headers.get("location")).toBe(
      "http://localhost:3000/api/auth/signin",
    );
  });

  it("leaves successful responses alone", async () => {
    const ok = new Response(null, { status: 302, headers: { location: "http://localhost:3000/dashboard" } });
    expect(await withAuthContext(withSignInErrorCodes(async () => ok))(new Request("http://localhost:3000/api/auth/callback/x"))).toBe(ok);
  });

  it("reads access_denied from the callback URL", async () => {
    const handler = withAuthContext(
      withSignInErrorCodes(async (_request: Request) => {
        recordAuthError(callbackErrorForRoute());
        return new Response(null, { status: 302, headers: { location: "http://localhost:3000/login?error=OAuthCallbackError" } });
      }),
    );
    const response = await handler(
      new Request("http://localhost:3000/api/auth/callback/dev-idp?error=access_denied&error_description=%3Cb%3E&state=s"),
    );
    expect(response.headers.get("location")).toBe("http://localhost:3000/login?error=access_denied");
  });

  it("reads Apple's user_cancelled_authorize from a form_post callback's body, leaving the body for Auth.js", async () => {
    let bodySeenByAuthjs = "";
    const handler = withAuthContext(
      withSignInErrorCodes(async (request: Request) => {
        bodySeenByAuthjs = await request.text();
        recordAuthError(callbackErrorForRoute());
        return new Response(null, { status: 302, headers: { location: "http://localhost:3000/login?error=OAuthCallbackError" } });
      }),
    );
    const body = "error=user_cancelled_authorize&state=s";
    const response = await handler(
      new Request("https://app.example/api/auth/callback/apple", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      }),
    );
    expect(response.headers.get("location")).toBe("http://localhost:3000/login?error=access_denied");
    expect(bodySeenByAuthjs).toBe(body);
  });

  it("keeps errors of concurrent requests apart", async () => {
    const errors = new Map<string, Error>([
      ["slow", new InvalidCheck("x")],
      ["fast", callbackRouteError(networkFailure("ECONNREFUSED"))],
    ]);
    const handler = withAuthContext(
      withSignInErrorCodes(async (request: Request) => {
        const which = new URL(request.url).searchParams.get("which")!;
        recordAuthError(errors.get(which));
        await new Promise((resolve) => setTimeout(resolve, which === "slow" ? 30 : 1));
        return new Response(null, { status: 302, headers: { location: "http://localhost:3000/login?error=Configuration" } });
      }),
    );
    const [slow, fast] = await Promise.all([
      handler(new Request("http://localhost:3000/api/auth/callback/x?which=slow")),
      handler(new Request("http://localhost:3000/api/auth/callback/x?which=fast")),
    ]);
    expect(slow.headers.get("location")).toMatch(/error=state_mismatch$/);
    expect(fast.headers.get("location")).toMatch(/error=provider_unreachable$/);
  });

  const outage = () => Object.assign(new Error("Can't reach database server"), { name: "PrismaClientKnownRequestError", code: "P1001" });

  it("answers a session read that met a database outage 503, without the cookie deletion Auth.js would send", async () => {
    const handler = withAuthContext(
      withSignInErrorCodes(async (_request: Request) => {
        recordAuthError(Object.assign(new Error("JWTSessionError"), { type: "JWTSessionError", cause: outage() }));
        return new Response("null", { status: 200, headers: { "set-cookie": "authjs.session-token=; Max-Age=0; Path=/" } });
      }),
    );
    const response = await handler(new Request("http://localhost:3000/api/auth/session"));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await response.json()).toEqual({ error: "unavailable" });
  });

  it("sends a callback that met a database outage to /login with 'briefly unavailable'", async () => {
    const handler = withAuthContext(
      withSignInErrorCodes(async (_request: Request) => {
        recordAuthError(callbackRouteError(outage()));
        return new Response(null, { status: 302, headers: { location: "http://localhost:3000/login?error=Configuration" } });
      }),
    );
    const response = await handler(new Request("http://localhost:3000/api/auth/callback/dev-idp?code=x&state=y"));
    expect(response.headers.get("location")).toBe("http://localhost:3000/login?error=unavailable");
  });
});
