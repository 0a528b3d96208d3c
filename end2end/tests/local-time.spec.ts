import { expect, test } from "@playwright/test";
import { OWNER, signIn, watchConsole } from "./helpers";

// An operator in New York (UTC-5 in January): times are shown and read in their zone, named,
// with UTC on hover; the URL keeps UTC, so a bookmark means the same instant everywhere.
test.use({ timezoneId: "America/New_York" });

test("the historical view is read and shown in the operator's time zone", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await page.goto("/groups");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Historical view" }).click();
  await page.getByLabel("View the groups as of (local time)").fill("2026-01-15T10:00");
  await page.getByRole("button", { name: "Apply changes" }).click();
  // 10:00 in New York is 15:00 UTC.
  await expect(page).toHaveURL(/as_of=2026-01-15T15:00/);
  const shown = page.getByRole("status").locator("time");
  await expect(shown).toHaveText("2026-01-15 10:00 GMT-5");
  await expect(shown).toHaveAttribute("title", "2026-01-15 15:00 UTC");
  await expect(shown).toHaveAttribute("datetime", "2026-01-15T15:00:00Z");

  // Opened from the bookmark, the same instant; reopening the picker shows local time again.
  await page.goto(page.url());
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("status").locator("time")).toHaveText("2026-01-15 10:00 GMT-5");
  await page.getByRole("button", { name: "Historical view" }).click();
  await expect(page.getByLabel("View the groups as of (local time)")).toHaveValue("2026-01-15T10:00");
  expect(problems).toEqual([]);
});
