import { describe, expect, it } from "vitest";

import type { PairedComparison, Spread } from "../lib/comparison";

import { controlRow, ratioRow } from "./helpers";

// The figure (ratio) apart from the rounds' median, so that a row shown or judged on the median fails.
const spread = (ratio: number): Spread => ({
  ratio,
  median: ratio + 0.05,
  q1: ratio - 0.01,
  q3: ratio + 0.01,
  perRound: [ratio, ratio],
});

function comparison(cpu: number | undefined, rps: number): PairedComparison {
  const side = (label: string) => ({ label, medianRps: 100, runs: [], warmUps: [] });
  return {
    cpu: cpu === undefined ? undefined : spread(cpu),
    rps: spread(rps),
    a: side("A"),
    b: side("B"),
    connections: 10,
    secondsPerRun: 2,
    sliceMs: 100,
  };
}

describe("bench rows", () => {
  it("judge a ratio on the server's CPU per request, with requests/s printed beside it", () => {
    const row = ratioRow("1a", "x", comparison(0.91, 0.85), 0.9);
    expect(row.status).toBe("pass");
    expect(row.figure).toBe("CPU 0.910 (rounds' IQR 0.900–0.920); rps 0.850");
    expect(ratioRow("1a", "x", comparison(0.89, 0.95), 0.9).status).toBe("miss");
  });

  it("fall back to requests/s when no server process was measured", () => {
    const row = ratioRow("1a", "x", comparison(undefined, 0.91), 0.9);
    expect(row.status).toBe("pass");
    expect(row.figure).toBe("rps 0.910");
  });

  it("pass an A/A control only within 2 % of 1, on either side", () => {
    expect(controlRow("1z", "x", comparison(1.019, 0.9), "").status).toBe("pass");
    expect(controlRow("1z", "x", comparison(0.981, 1.1), "").status).toBe("pass");
    expect(controlRow("1z", "x", comparison(1.021, 1), "").status).toBe("miss");
    expect(controlRow("1z", "x", comparison(0.979, 1), "").status).toBe("miss");
    expect(controlRow("1z", "x", comparison(1, 1), "").details.control).toBe("A/A");
  });
});
