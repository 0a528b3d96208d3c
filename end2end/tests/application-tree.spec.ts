import { test, expect } from "@playwright/test";
import * as api from "./api";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// The application access tree: an entry moved between folders is seen where it was through
// the historical view, and a move that would make a loop is refused by name.
const tag = Date.now().toString(36);
const entry = (name: string, folder: boolean, parent: string) =>
  [name, "", String(folder), parent, "", "", "", folder ? "List" : "", "false", "false"];

test.describe.serial("application access tree", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("an entry moved between folders is seen where it was, and a loop is refused", async ({ page }) => {
    const problems = watchConsole(page);
    const [first, second, app] = [`Tools ${tag}`, `Archive ${tag}`, `Viewer ${tag}`];
    await api.createResource(page.request, "applications", entry(first, true, ""));
    const secondId = await api.createResource(page.request, "applications", entry(second, true, ""));
    const appId = await api.createResource(page.request, "applications", entry(app, false, first));
    await page.waitForTimeout(1100);
    const before = new Date();
    await page.waitForTimeout(1100);

    // Move the application through its page.
    await gotoHydrated(page, `/applications/${appId}`);
    await page.getByLabel("Parent folder").fill(second);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Saved application entry ${app}.`);

    // Authorize a group to execute it.
    const group = `Apps ${tag}`;
    await api.createGroup(page.request, group);
    const panel = page.getByRole("region", { name: "Authorizations" });
    await panel.getByLabel("To").selectOption("group");
    await panel.getByLabel("User, group or role name").fill(group);
    await panel.getByLabel("Level").selectOption("Execute");
    await panel.getByRole("button", { name: "Authorize" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Authorized application entry ${app} to group ${group}.`);
    await expect(page.getByRole("table", { name: "Authorized users, groups and roles" })).toContainText(`Group ${group}`);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Application access tree" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Application access tree" })).toBeVisible();
    const tree = page.getByRole("navigation", { name: "Application access tree" });
    await expect(tree.locator("li", { hasText: second }).getByRole("link", { name: app })).toBeVisible();

    // The historical view, with the group tree's picker, shows it in its first folder.
    await page.getByRole("button", { name: "Historical view" }).click();
    const local = new Date(before.getTime() - before.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await page.getByLabel("View the application access tree as of (local time)").fill(local);
    await page.getByRole("button", { name: "Apply changes" }).click();
    await expect(page).toHaveURL(/as_of=/);
    await expect(page.getByRole("status")).toContainText("Viewing the application access tree as of");
    await expect(tree.locator("li", { hasText: first }).getByRole("link", { name: app })).toBeVisible();
    await expect(tree.locator("li", { hasText: second }).getByRole("link", { name: app })).toHaveCount(0);
    await page.getByRole("button", { name: "Switch to current view" }).click();
    await expect(page.getByRole("status")).toHaveCount(0);

    // The second folder under the first, then the first under the second: a loop.
    await gotoHydrated(page, `/applications/${secondId}`);
    await page.getByLabel("Parent folder").fill(first);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Saved application entry ${second}.`);
    await gotoHydrated(page, `/applications?q=${encodeURIComponent(first)}`);
    await page.getByRole("table", { name: "Application entries" }).getByRole("link", { name: first }).click();
    await page.getByLabel("Parent folder").fill(second);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByRole("alert")).toContainText(`${first} › ${second}`);
    expect(problems).toEqual([]);
  });
});
