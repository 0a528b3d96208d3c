import { expect, test } from "@playwright/test";
import { gotoHydrated, OWNER, signIn, watchConsole } from "./helpers";

// The server under test starts with the demo organisation and its year of backdated history
// (scripts/e2e.sh sets REWIND_DEMO_DATA=1): "Marketing" was renamed "Brand & Marketing" 182 days
// before start-up, users and groups were deleted along the way, snapshots span the year.
const DAY = 86_400_000;

/// "2026-05-01 09:30 UTC" as shown by the console.
function shownTime(text: string): number {
  const m = text.match(/(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC/);
  expect(m, `a time in "${text}"`).not.toBeNull();
  return Date.parse(`${m![1]}T${m![2]}:00Z`);
}

test.describe("a year of seeded history", () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("the tree eight months ago shows Marketing under its old name", async ({ page }) => {
    const problems = watchConsole(page);
    const before = new Date(Date.now() - 240 * DAY).toISOString().slice(0, 16);
    await gotoHydrated(page, `/groups?as_of=${before}`);
    await expect(page.getByRole("status")).toContainText("Viewing groups as of");
    const tree = page.getByRole("tree", { name: "Group tree" });
    await expect(tree.getByRole("link", { name: "Marketing", exact: true })).toBeVisible();
    await expect(tree).toContainText("now Brand & Marketing");
    await expect(tree.getByRole("link", { name: "Brand & Marketing", exact: true })).toHaveCount(0);

    await page.getByRole("button", { name: "Switch to current view" }).click();
    await expect(page).toHaveURL(/\/groups$/);
    await expect(tree.getByRole("link", { name: "Brand & Marketing", exact: true })).toBeVisible();
    await expect(tree.getByRole("link", { name: "Marketing", exact: true })).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test("the recycle bin lists users and groups deleted during the year", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, "/recycle-bin");
    const rows = page.getByRole("table", { name: "Deleted objects" }).locator("tbody tr");
    await expect(rows.filter({ hasText: "User" }).first()).toBeVisible();
    await expect(rows.filter({ hasText: "Group" }).first()).toBeVisible();
    // Newest first: the oldest deletion was on a seeded date, long before start-up.
    const deleted = shownTime(await rows.last().locator("td").nth(2).innerText());
    expect(deleted).toBeLessThan(Date.now() - DAY);
    expect(problems).toEqual([]);
  });

  test("snapshots reach back months and a seeded user's old state compares with now", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, "/backups?sort=%2Bsince");
    const table = page.getByRole("table", { name: "Snapshots of all users" });
    const oldest = table.locator("tbody tr").first();
    await expect(oldest).toBeVisible();
    expect(shownTime(await oldest.locator("td", { hasText: "UTC" }).first().innerText())).toBeLessThan(Date.now() - 90 * DAY);

    // That user's Backups tab: several snapshots; the oldest differs from today's state.
    await oldest.getByRole("link").first().click();
    await expect(page).toHaveURL(/\/users\/\d+\/backups/);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    const snapshots = page.getByRole("table", { name: "Snapshots" }).locator("tbody tr");
    await expect(snapshots.nth(1)).toBeVisible();
    await snapshots.last().getByRole("button", { name: /^Compare/ }).click();
    const differences = page.getByRole("region", { name: "Differences" });
    await expect(differences).toBeVisible();
    await expect(differences.locator("tbody tr, li").first()).toBeVisible();
    expect(problems).toEqual([]);
  });
});
