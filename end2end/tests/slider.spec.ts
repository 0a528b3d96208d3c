import { expect, test } from "@playwright/test";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

// The time slider under the historical group tree: bars where the tree changed, and a slider
// that moves the view (kept in the URL) to any instant.
test("the time slider shows where the tree changed and moves the historical view", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const past = new Date(Date.now() - 100 * 86_400_000).toISOString().slice(0, 16);
  await gotoHydrated(page, `/groups?as_of=${past}`);
  const slider = page.getByRole("slider", { name: "Date of the historical view" });
  await expect(slider).toBeVisible();
  // A year of seeded history: some periods had changes.
  await expect(page.locator(".time-slider svg rect").first()).toBeAttached();
  await expect(page.locator(".time-slider")).toContainText(/\d+ changes to the tree/);
  const before = new URL(page.url()).searchParams.get("as_of");
  await slider.fill("100");
  await expect(page).not.toHaveURL(new RegExp(`as_of=${before}`));
  const after = new URL(page.url()).searchParams.get("as_of")!;
  expect(Date.parse(after + "Z")).toBeLessThan(Date.parse(before + "Z"));
  await expect(page.getByRole("tree", { name: "Group tree" })).toBeVisible();
  // A bar is a shortcut to the end of its period: the last bar is the latest period.
  await page.locator(".time-slider svg rect.bar").last().click();
  await expect(page).not.toHaveURL(new RegExp(`as_of=${after}`));
  const clicked = new URL(page.url()).searchParams.get("as_of")!;
  expect(Date.parse(clicked + "Z")).toBeGreaterThan(Date.parse(after + "Z"));
  expect(problems).toEqual([]);
});

test("changes between two dates list what happened to the tree, each linking to the group then", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const past = new Date(Date.now() - 250 * 86_400_000).toISOString().slice(0, 16);
  await gotoHydrated(page, `/groups?as_of=${past}`);
  const form = page.getByRole("form", { name: "Changes between two dates" });
  // The period starts at the instant being viewed.
  await expect(form.getByLabel("Changes from (local time)")).not.toHaveValue("");
  await form.getByRole("button", { name: "Show changes" }).click();
  const changes = page.getByRole("region", { name: "Changes to the group tree" });
  // The seeded organisation renamed "Marketing" six months ago.
  const renamed = changes.getByRole("listitem").filter({ hasText: "renamed from “Marketing”" });
  await expect(renamed).toHaveCount(1);
  await expect(changes).toContainText(/\d+ changes?\./);
  await renamed.getByRole("link").click();
  await expect(page).toHaveURL(/group=\d+/);
  await expect(page).toHaveURL(/as_of=/);
  expect(problems).toEqual([]);
});
