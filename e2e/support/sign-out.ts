import { expect, type Page } from "@playwright/test";

/** Presses the header's "Sign out" (this app only), opening the account menu first when it is closed. */
export async function signOutFromHeader(page: Page, homeUrl: string): Promise<void> {
  const header = page.getByRole("banner");
  const button = header.getByRole("button", { name: "Sign out", exact: true });
  if (!(await button.isVisible())) await header.locator("summary").first().click();
  await button.click();
  await expect(page).toHaveURL(`${homeUrl}/`);
}
