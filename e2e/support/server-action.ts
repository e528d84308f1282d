import { expect, type Page, type PlaywrightWorkerArgs, type Request } from "@playwright/test";

export interface ReplayResult {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Saves the display name on /settings/profile and returns the server-action request the browser sent. */
export async function captureProfileSave(page: Page, name: string): Promise<Request> {
  const actionRequest = page.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"]));
  await page.getByLabel("Display name").fill(name);
  await page.getByRole("button", { name: "Save" }).click();
  const captured = await actionRequest;
  await expect(page.getByRole("status")).toHaveText("Saved.");
  return captured;
}

/**
 * Sends the same action request (action id, router state, body) again from a client with no
 * cookies, with `from` in the body replaced by `to`.
 */
export async function replayWithoutSession(
  playwright: PlaywrightWorkerArgs["playwright"],
  captured: Request,
  from: string,
  to: string,
): Promise<ReplayResult> {
  const anonymous = await playwright.request.newContext();
  const headers = { ...captured.headers() };
  delete headers.cookie;
  const body = captured.postData()!.replace(from, to);
  expect(body).toContain(to);
  try {
    const response = await anonymous.post(captured.url(), { headers, data: body, maxRedirects: 0 });
    return { status: response.status(), headers: response.headers(), text: await response.text() };
  } finally {
    await anonymous.dispose();
  }
}

/** Where a response sends the client: an HTTP redirect, or a server action's redirect instruction. */
export function redirectTarget(response: ReplayResult): string | undefined {
  return response.headers["location"] ?? response.headers["x-action-redirect"]?.split(";")[0];
}
