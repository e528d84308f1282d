import { describe, expect, it } from "vitest";

import { createProviderClient } from "@/lib/providers/client";
import { loadLiveProviderProfile } from "@/lib/providers/tokens/live-profile";
import { profileFromOidcClaims } from "@/lib/providers/profile";

/** A provider with fixed endpoints and no userinfo endpoint, as Apple is. */
const appleLike = createProviderClient(
  {
    id: "apple",
    name: "Apple",
    clientId: "com.example.web",
    clientSecret: "unused",
    endpoints: {
      issuer: "https://appleid.apple.com",
      token: "https://appleid.apple.com/auth/token",
      userinfo: undefined,
      revocation: undefined,
      endSession: undefined,
      jwks: undefined,
    },
    profile: profileFromOidcClaims,
  },
  () => Promise.reject(new Error("no request may be sent")),
);

describe("loadLiveProviderProfile", () => {
  it("answers not_offered for a provider without a profile endpoint, before asking for (or refreshing) an access token", async () => {
    let asked = 0;
    const accessToken = async () => {
      asked++;
      throw new Error("not reached");
    };
    expect(await loadLiveProviderProfile({ accessToken, client: () => appleLike }, "user-1", "apple")).toEqual({
      status: "not_offered",
      provider: "apple",
    });
    expect(asked).toBe(0);
  });
});
