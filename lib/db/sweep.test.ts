import { afterEach, describe, expect, it, vi } from "vitest";

import { forgetProcessSingleton } from "@/lib/process-singleton";

import { sweepAtMostEvery } from "./sweep";

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

afterEach(() => {
  forgetProcessSingleton("sweep.test");
  vi.restoreAllMocks();
});

describe("sweepAtMostEvery", () => {
  it("starts a sweep on first use, then none until the interval has passed", () => {
    const sweep = vi.fn(() => Promise.resolve());
    sweepAtMostEvery("test", 60_000, at(0), sweep);
    sweepAtMostEvery("test", 60_000, at(30), sweep);
    sweepAtMostEvery("test", 60_000, at(59), sweep);
    expect(sweep).toHaveBeenCalledTimes(1);
    sweepAtMostEvery("test", 60_000, at(60), sweep);
    expect(sweep).toHaveBeenCalledTimes(2);
  });

  it("sweeps at once when the clock went backwards", () => {
    const sweep = vi.fn(() => Promise.resolve());
    sweepAtMostEvery("test", 60_000, at(50), sweep);
    sweepAtMostEvery("test", 60_000, at(10), sweep);
    expect(sweep).toHaveBeenCalledTimes(2);
  });

  it("logs only the name of a failed sweep's error, never its message", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let fail: (error: Error) => void = () => {};
    const pending = new Promise<void>((_resolve, reject) => (fail = reject));
    sweepAtMostEvery("test", 60_000, at(0), () => pending);
    fail(Object.assign(new Error("password=hunter2"), { name: "DriverAdapterError" }));
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith("[test] sweep failed: DriverAdapterError"));
    expect(JSON.stringify(warn.mock.calls)).not.toContain("hunter2");
  });
});
