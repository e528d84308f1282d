import { describe, expect, it } from "vitest";

import { forPages, parseOptions } from "./options";

describe("the bench's command line", () => {
  it("gives page ratios their own number of rounds, twice the API routes' by default", () => {
    const { settings } = parseOptions([]);
    expect(settings.rounds).toBe(24);
    expect(forPages(settings).rounds).toBe(48);
    expect(forPages(parseOptions(["--page-rounds=16"]).settings)).toMatchObject({ rounds: 16, pageRounds: 16 });
  });

  it("takes scenario 2's servers of each build from 1 to 4, four by default", () => {
    expect(parseOptions([]).settings.servers).toBe(4);
    expect(parseOptions(["--servers=2"]).settings.servers).toBe(2);
    expect(() => parseOptions(["--servers=5"])).toThrow("--servers must be a whole number from 1 to 4");
    expect(() => parseOptions(["--servers=1.5"])).toThrow("--servers");
  });
});
