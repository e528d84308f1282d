import type { CurrentUser } from "@/lib/session/authenticate";

/** The person the twin shows: the bench's signed-in Alice (idp/users.ts) as /dashboard sees her. */
export function dashboardTwinPerson(): CurrentUser {
  return {
    id: "bench-dashboard-twin",
    name: "Alice Example",
    email: "alice@example.com",
    image: `${process.env.DEV_IDP_ISSUER}/avatars/alice.svg`,
    linkedProviders: ["dev-idp"],
    provider: "dev-idp",
    sessionId: "bench-dashboard-twin",
  };
}
