import { test, expect, Page } from "@playwright/test";
import { SAME_SITE } from "./api";
import { OWNER, chooseGroup, gotoHydrated, signIn, watchConsole } from "./helpers";
import * as api from "./api";

/// Creates a group from the Groups page; `parent` is the visible name of the parent group.
async function createGroup(page: Page, name: string, parent?: string) {
  await gotoHydrated(page, "/groups");
  const panel = page.locator("details.panel", { hasText: "New group" });
  await panel.locator("summary").click();
  await panel.getByLabel("Group name").fill(name);
  if (parent) await chooseGroup(panel, "Parent group", parent);
  await panel.getByRole("button", { name: "Create group" }).click();
  await expect(page.getByRole("tree", { name: "Group tree" }).getByRole("link", { name, exact: true })).toBeVisible();
}

/// Systems and roles have their own screens; here they are only fixtures, made through the API.
async function createRole(page: Page, system: string, role: string): Promise<number> {
  const sys = await page.request.post("/api/create_system", { headers: SAME_SITE, form: { name: system, description: "" } });
  expect(sys.ok(), await sys.text()).toBeTruthy();
  const systemId = Number(await sys.text());
  const created = await page.request.post("/api/create_role", { headers: SAME_SITE,
    data: {
      input: { system: systemId, name: role, description: "", category: "", information_system: null, domain_type: "none" },
    },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  return Number(await created.text());
}

test.describe.serial("users, groups and roles", () => {
  test("a user gets a role through the parent of a secondary group", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await createGroup(page, "Id Everyone");
    await createGroup(page, "Id Staff");
    await createGroup(page, "Id Sales", "Id Staff");
    await createRole(page, "CRM", "CRM Reader");

    // Grant the role to Staff: members of Sales (below Staff) inherit it.
    const tree = page.getByRole("tree", { name: "Group tree" });
    await tree.getByRole("link", { name: "Id Staff", exact: true }).click();
    await page.getByRole("navigation", { name: "Group sections" }).getByRole("link", { name: "Granted roles" }).click();
    await expect(page).toHaveURL(/tab=roles/);
    await page.getByRole("combobox", { name: "Role", exact: true }).selectOption({ label: "CRM Reader (CRM)" });
    await page.getByRole("button", { name: "Grant role" }).click();
    await expect(page.getByRole("table", { name: "Granted roles" })).toContainText("CRM Reader");

    // A new user in Everyone, then a secondary membership of Sales.
    await gotoHydrated(page, "/users");
    const panel = page.locator("details.panel", { hasText: "New user" });
    await panel.locator("summary").click();
    await panel.getByLabel("User name").fill("ann.smith");
    await panel.getByLabel("First name").fill("Ann");
    await panel.getByLabel("Last name").fill("Smith");
    await chooseGroup(panel, "Primary group", "Id Everyone");
    await panel.getByRole("button", { name: "Create user" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "User ann.smith" })).toBeVisible();

    await page.getByRole("navigation", { name: "User sections" }).getByRole("link", { name: "Groups" }).click();
    await chooseGroup(page, "Group", "Id Staff › Id Sales");
    await page.getByRole("button", { name: "Add membership" }).click();
    const memberships = page.getByRole("table", { name: "Group memberships" });
    await expect(memberships.locator("tr", { hasText: "Id Sales" })).toContainText("Secondary");
    await expect(memberships.locator("tr", { hasText: "Id Everyone" })).toContainText("Primary");

    await page.getByRole("navigation", { name: "User sections" }).getByRole("link", { name: "Effective roles" }).click();
    const row = page.getByRole("table", { name: "Effective roles" }).locator("tr", { hasText: "CRM Reader" });
    await expect(row).toContainText("via group");
    await expect(row).toContainText("group Id Sales → group Id Staff");
    expect(problems).toEqual([]);
  });

  test("a dated membership and a role named like one in another system are removed exactly", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    const group = await api.createGroup(page.request, "Id Dated");
    const user = await api.createUser(page.request, "id.dana", group);
    const other = await api.createGroup(page.request, "Id Project");
    await api.addMembership(page.request, user, other, "2026-01-15T00:00:00Z");
    const first = await api.createRole(page.request, "Id SysA", "Id Admin");
    const second = await api.createRole(page.request, "Id SysB", "Id Admin");
    // Newest first in the history: the SysA grant would be found first by its label alone.
    await api.grantToUser(page.request, second, user);
    await api.grantToUser(page.request, first, user);

    await gotoHydrated(page, `/users/${user}/groups`);
    const memberships = page.getByRole("table", { name: "Group memberships" });
    await expect(memberships.locator("tr", { hasText: "Id Project" })).toContainText("2026-01-15");
    // Removing asks first, naming what goes; Cancel keeps it.
    await memberships.getByRole("button", { name: "Remove from Id Project" }).click();
    const confirm = page.getByRole("dialog", { name: "Remove from Id Project" });
    await expect(confirm).toContainText("Remove from Id Project? It ends now");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(confirm).toHaveCount(0);
    await expect(memberships.locator("tr", { hasText: "Id Project" })).toHaveCount(1);
    await memberships.getByRole("button", { name: "Remove from Id Project" }).click();
    await confirm.getByRole("button", { name: "Yes, remove" }).click();
    await expect(memberships.locator("tr", { hasText: "Id Project" })).toHaveCount(0);

    await gotoHydrated(page, `/users/${user}/roles`);
    const granted = page.getByRole("table", { name: "Granted roles" });
    await granted.locator("tr", { hasText: "Id SysB" }).getByRole("button", { name: "Revoke Id Admin" }).click();
    await page.getByRole("dialog", { name: "Revoke Id Admin" }).getByRole("button", { name: "Yes, revoke" }).click();
    await expect(granted.locator("tr", { hasText: "Id SysB" })).toHaveCount(0);
    await expect(granted.locator("tr", { hasText: "Id SysA" })).toHaveCount(1);
    expect(problems).toEqual([]);
  });

  test("moving a group under its own child is refused with the cycle named", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await gotoHydrated(page, "/groups");
    await page.getByRole("tree", { name: "Group tree" }).getByRole("link", { name: "Id Staff", exact: true }).click();
    const detail = page.locator("section.group-detail");
    await expect(detail.getByLabel("Group name")).toHaveValue("Id Staff");
    await chooseGroup(detail, "Parent group", "Id Staff › Id Sales");
    await detail.getByRole("button", { name: "Apply", exact: true }).click();
    await expect(page.getByRole("alert")).toContainText("would make a cycle");
    // Nothing changed: after a reload Id Staff is still a root with Id Sales below it.
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator("section.group-detail").getByRole("combobox", { name: "Parent group" })).toHaveValue("");
    expect(problems).toEqual([]);
  });

  test("an advanced query error points at the bad token; a good one filters", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await gotoHydrated(page, "/users");
    const query = page.getByLabel("Advanced query");
    // Caught in the browser: the operator is not one the language knows.
    await query.fill('userName sx "ann"');
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page.getByRole("alert")).toContainText('At column 10 near "sx"');
    // Caught by the server: the attribute does not exist.
    await query.fill('shoeSize eq "42"');
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page).toHaveURL(/filter=shoeSize/);
    await expect(page.getByRole("alert")).toContainText('At column 1 near "shoeSize": unknown attribute');
    await query.fill('userName sw "ann" and primaryGroup eq "id everyone"');
    await page.getByRole("button", { name: "Search", exact: true }).click();
    const table = page.getByRole("table", { name: "Users" });
    await expect(table.getByRole("link", { name: "ann.smith" })).toBeVisible();
    await expect(page.getByText("1 users · page 1 of 1")).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("the column view is saved for the operator and restored after a reload", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await gotoHydrated(page, "/users");
    const table = page.getByRole("table", { name: "Users" });
    await expect(table.getByRole("columnheader", { name: "Email" })).toBeVisible();
    await page.getByRole("button", { name: "View" }).click();
    const dialog = page.getByRole("dialog", { name: "Columns" });
    await dialog.getByRole("checkbox", { name: "Email" }).uncheck();
    await dialog.getByRole("checkbox", { name: "User type" }).check();
    await dialog.getByRole("button", { name: "Move Full name up" }).click();
    await dialog.getByRole("button", { name: "Save view" }).click();
    await expect(dialog).toBeHidden();
    await expect(table.getByRole("columnheader", { name: "Email" })).toHaveCount(0);

    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    const headers = page.getByRole("table", { name: "Users" }).getByRole("columnheader");
    await expect(headers.nth(1)).toHaveText("Full name");
    await expect(headers.nth(2)).toHaveText("User name");
    await expect(page.getByRole("table", { name: "Users" }).getByRole("columnheader", { name: "User type" })).toBeVisible();
    await expect(page.getByRole("table", { name: "Users" }).getByRole("columnheader", { name: "Email" })).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test("deleting selected users asks for confirmation naming them", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    for (const name of ["temp.one", "temp.two"]) {
      await gotoHydrated(page, "/users");
      const panel = page.locator("details.panel", { hasText: "New user" });
      await panel.locator("summary").click();
      await panel.getByLabel("User name").fill(name);
      await chooseGroup(panel, "Primary group", "Id Everyone");
      await panel.getByRole("button", { name: "Create user" }).click();
      await expect(page.getByRole("heading", { level: 1, name: `User ${name}` })).toBeVisible();
    }
    await gotoHydrated(page, "/users?q=temp.");
    await page.getByRole("checkbox", { name: "Select temp.one" }).check();
    await page.getByRole("checkbox", { name: "Select temp.two" }).check();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete users" });
    await expect(dialog).toContainText("temp.one, temp.two");
    // Escape closes without deleting.
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("table", { name: "Users" }).getByRole("link", { name: "temp.one" })).toBeVisible();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await expect(page.getByRole("status")).toContainText("Deleted temp.one, temp.two");
    await expect(page.getByRole("table", { name: "Users" }).getByRole("link", { name: "temp.one" })).toHaveCount(0);
    expect(problems).toEqual([]);
  });
});
