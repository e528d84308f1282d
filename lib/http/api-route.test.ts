import { afterEach, describe, expect, it, vi } from "vitest";

import { apiRoute } from "@/lib/http/api-route";
import { resetDatabaseAvailability } from "@/lib/db/availability";

const request = () => new Request("http://localhost:3000/api/me");

afterEach(() => {
  resetDatabaseAvailability();
  vi.restoreAllMocks();
});

describe("apiRoute", () => {
  it("answers a database outage 503 unavailable with Retry-After, as JSON", async () => {
    const outage = Object.assign(new Error("Can't reach database server at db:5432"), {
      name: "PrismaClientKnownRequestError",
      code: "P1001",
    });
    const response = await apiRoute(async () => Promise.reject(outage))(request());
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toEqual({ error: "unavailable" });
  });

  it("answers any other failure 500 server_error, with nothing of the error in the body or the log line", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await apiRoute(async () => Promise.reject(new Error("secret detail password=hunter2")))(request());
    expect(response.status).toBe(500);
    expect(await response.text()).toBe(JSON.stringify({ error: "server_error" }));
    expect(log.mock.calls.flat().join(" ")).not.toContain("hunter2");
  });

  it("passes answers through untouched", async () => {
    const ok = Response.json({ fine: true });
    expect(await apiRoute(async () => ok)(request())).toBe(ok);
  });
});
