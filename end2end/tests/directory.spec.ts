import { test, expect, Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import * as api from "./api";
import { createMailDomain, createMailList, createRole, createSystem } from "./api";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// Unique names, so the spec also passes against a database that earlier runs have used.
const tag = Date.now().toString(36);
const SYSTEM = `Payroll ${tag}`;
const ROLE = `Clerk ${tag}`;
const OTHER_ROLE = `Viewer ${tag}`;
const ACCOUNT = `svc-${tag}`;
const DOMAIN = `d${tag}.example`;
const LIST = `staff-${tag}`;

/// Opens an account's page from the accounts list (navigation inside the running app).
async function openAccount(page: Page, name: string) {
  await gotoHydrated(page, `/accounts?q=${encodeURIComponent(name)}`);
  await page.getByRole("table", { name: "Accounts" }).getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: `Account ${name}` })).toBeVisible();
}

async function openNewForm(page: Page, summary: string) {
  await page.getByText(summary, { exact: true }).click();
}

test.describe.serial("directory screens", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("a system, roles on it and an account, in lists and details", async ({ page }) => {
    const problems = watchConsole(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Systems" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Systems" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");

    await openNewForm(page, "New system");
    await page.getByLabel("System name").fill(SYSTEM);
    await page.getByLabel("Description").fill("salaries");
    await page.getByRole("button", { name: "Create system" }).click();
    await expect(page).toHaveURL(/\/systems\/\d+$/);
    await expect(page.getByRole("heading", { level: 1, name: `System ${SYSTEM}` })).toBeVisible();

    // A second system with the same name is refused at the form.
    await gotoHydrated(page, "/systems");
    await openNewForm(page, "New system");
    await page.getByLabel("System name").fill(SYSTEM.toUpperCase());
    await page.getByRole("button", { name: "Create system" }).click();
    await expect(page.getByRole("alert")).toContainText("already exists");

    // The quick search lands in the URL.
    await page.getByLabel("Search systems").fill(tag);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`q=${tag}`));
    await expect(page.getByRole("table", { name: "Systems" }).getByRole("link", { name: SYSTEM })).toBeVisible();

    // Two roles on the system; the first includes the second.
    for (const [name, category] of [[ROLE, "Finance"], [OTHER_ROLE, "Read only"]]) {
      await gotoHydrated(page, "/roles");
      await openNewForm(page, "New role");
      await page.getByLabel("Role name").fill(name);
      await page.getByRole("combobox", { name: "System", exact: true }).selectOption({ label: SYSTEM });
      await page.getByLabel("Category").fill(category);
      await page.getByRole("button", { name: "Create role" }).click();
      await expect(page).toHaveURL(/\/roles\/\d+$/);
      await expect(page.getByRole("heading", { level: 1, name: `Role ${name}` })).toBeVisible();
    }
    await gotoHydrated(page, `/roles?q=${encodeURIComponent(tag)}`);
    const roles = page.getByRole("table", { name: "Roles" });
    await expect(roles.locator("tr", { hasText: ROLE })).toContainText(SYSTEM);
    await expect(roles.locator("tr", { hasText: ROLE })).toContainText("Finance");
    await roles.getByRole("link", { name: ROLE }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Role ${ROLE}` })).toBeVisible();
    await expect(page.getByLabel("Category")).toHaveValue("Finance");
    await page.getByRole("combobox", { name: "Role to inherit" }).selectOption({ label: `${OTHER_ROLE} (${SYSTEM})` });
    await page.getByRole("button", { name: "Add inherited role" }).click();
    await expect(page.getByRole("table", { name: "Inherited roles" }).getByRole("link", { name: OTHER_ROLE })).toBeVisible();

    // The system page lists its roles.
    await gotoHydrated(page, `/systems?q=${encodeURIComponent(tag)}`);
    await page.getByRole("table", { name: "Systems" }).getByRole("link", { name: SYSTEM }).click();
    await expect(page.getByRole("table", { name: "Roles of this system" }).getByRole("link", { name: ROLE })).toBeVisible();

    // An account on the system; its status changes on the detail page.
    await gotoHydrated(page, "/accounts");
    await openNewForm(page, "New account");
    await page.getByRole("combobox", { name: "System", exact: true }).selectOption({ label: SYSTEM });
    await page.getByLabel("Account name").fill(ACCOUNT);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/accounts\/\d+$/);
    await expect(page.getByRole("heading", { level: 1, name: `Account ${ACCOUNT}` })).toBeVisible();
    await expect(page.getByLabel("Login name")).toHaveValue(ACCOUNT);
    await page.getByRole("combobox", { name: "Status", exact: true }).selectOption("locked");
    const saved = page.waitForResponse((r) => r.url().includes("/api/update_account") && r.ok());
    await page.getByRole("button", { name: "Apply" }).click();
    await saved;
    await gotoHydrated(page, `/accounts?q=${encodeURIComponent(tag)}`);
    const account = page.getByRole("table", { name: "Accounts" }).locator("tr", { hasText: ACCOUNT });
    await expect(account).toContainText(SYSTEM);
    await expect(account).toContainText("locked");

    // Deleting asks first, naming the role.
    await gotoHydrated(page, `/roles?q=${encodeURIComponent(OTHER_ROLE)}`);
    await page.getByRole("table", { name: "Roles" }).getByRole("link", { name: OTHER_ROLE }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Role ${OTHER_ROLE}` })).toBeVisible();
    await page.getByRole("button", { name: `Delete role ${OTHER_ROLE}` }).click();
    const dialog = page.getByRole("dialog", { name: `Delete role ${OTHER_ROLE}` });
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Yes, delete" }).click();
    await expect(page).toHaveURL(/\/roles$/);
    await gotoHydrated(page, `/roles?q=${encodeURIComponent(tag)}`);
    await expect(page.getByRole("table", { name: "Roles" }).getByRole("link", { name: OTHER_ROLE })).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test("roles are granted to an account on its page and reach its owner", async ({ page }) => {
    const problems = watchConsole(page);
    const system = await createSystem(page.request, `Ledger ${tag}`);
    await api.createRoleOn(page.request, system, `Approver ${tag}`);
    const account = await api.createAccount(page.request, system, `ledger-${tag}`);
    const group = await api.createGroup(page.request, `Ledger team ${tag}`);
    const owner = await api.createUser(page.request, `ledger.${tag}`, group);
    await api.setAccountOwner(page.request, account, owner);

    await openAccount(page, `ledger-${tag}`);
    const roles = page.getByRole("region", { name: "Roles of the account" });
    await roles.getByRole("combobox", { name: "Role", exact: true }).selectOption({ label: `Approver ${tag} (Ledger ${tag})` });
    await roles.getByRole("button", { name: "Grant role" }).click();
    const granted = page.getByRole("region", { name: "Roles of the account" }).getByRole("table", { name: "Granted roles" });
    await expect(granted).toContainText(`Approver ${tag}`);

    // The owner holds it through the account.
    await gotoHydrated(page, `/users/${owner}/accounts`);
    await expect(page.getByRole("table").locator("tr", { hasText: `ledger-${tag}` })).toContainText(`Approver ${tag}`);

    await openAccount(page, `ledger-${tag}`);
    await page.getByRole("region", { name: "Roles of the account" }).getByRole("button", { name: `Revoke Approver ${tag}` }).click();
    await page.getByRole("dialog", { name: `Revoke Approver ${tag}` }).getByRole("button", { name: "Yes, revoke" }).click();
    await expect(page.getByRole("region", { name: "Roles of the account" }).getByRole("table", { name: "Granted roles" }).locator("tbody tr")).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test("a mail domain and a mail list with an external member", async ({ page }) => {
    const problems = watchConsole(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mail domains" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Mail domains" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await openNewForm(page, "New mail domain");
    await page.getByLabel("Domain code").fill(DOMAIN);
    await page.getByLabel("Description").fill("test domain");
    await page.getByRole("button", { name: "Create mail domain" }).click();
    await expect(page).toHaveURL(/\/mail-domains\/\d+$/);
    await expect(page.getByRole("heading", { level: 1, name: `Mail domain ${DOMAIN}` })).toBeVisible();
    await expect(page.getByLabel("Obsolete")).not.toBeChecked();

    await gotoHydrated(page, "/mail-lists");
    await openNewForm(page, "New mail list");
    await page.getByLabel("List name").fill(LIST);
    await page.getByRole("combobox", { name: "Domain", exact: true }).selectOption({ label: DOMAIN });
    await page.getByLabel("Description").fill("everyone");
    await page.getByRole("button", { name: "Create mail list" }).click();
    await expect(page).toHaveURL(/\/mail-lists\/\d+$/);
    await expect(page.getByRole("heading", { level: 1, name: `Mail list ${LIST}` })).toBeVisible();
    await expect(page.getByText(`${LIST}@${DOMAIN}`)).toBeVisible();

    await page.getByRole("combobox", { name: "Member kind" }).selectOption("external");
    await page.getByLabel("Address", { exact: true }).fill("Partner@Example.org");
    await page.getByRole("button", { name: "Add member" }).click();
    const external = page.getByRole("table", { name: "External addresses" });
    await expect(external).toContainText("partner@example.org");
    // The same address twice is refused at the form.
    await page.getByLabel("Address", { exact: true }).fill("partner@example.org");
    await page.getByRole("button", { name: "Add member" }).click();
    await expect(page.getByRole("alert")).toContainText("already on the list");

    await gotoHydrated(page, `/mail-lists?q=${encodeURIComponent(tag)}`);
    const row = page.getByRole("table", { name: "Mail lists" }).locator("tr", { hasText: LIST });
    await expect(row).toContainText(DOMAIN);
    await expect(row).toContainText("everyone");

    await gotoHydrated(page, `/mail-domains?q=${encodeURIComponent(DOMAIN)}`);
    const domain = page.getByRole("table", { name: "Mail domains" }).locator("tr", { hasText: DOMAIN });
    await expect(domain).toContainText("In use");
    await domain.getByRole("link", { name: DOMAIN }).click();
    await expect(page.getByRole("table", { name: "Mail lists in this domain" }).getByRole("link", { name: LIST })).toBeVisible();
    await page.getByRole("table", { name: "Mail lists in this domain" }).getByRole("link", { name: LIST }).click();
    await expect(page.getByRole("table", { name: "External addresses" })).toContainText("partner@example.org");
    expect(problems).toEqual([]);
  });

  test("the roles list keeps the operator's column view after a reload", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, `/roles?q=${encodeURIComponent(tag)}`);
    const table = page.getByRole("table", { name: "Roles" });
    await expect(table.getByRole("columnheader", { name: "Description" })).toBeVisible();
    await page.getByRole("button", { name: "View" }).click();
    const dialog = page.getByRole("dialog", { name: "Columns" });
    await dialog.getByRole("checkbox", { name: "Description" }).uncheck();
    await dialog.getByRole("checkbox", { name: "Domain type" }).check();
    await dialog.getByRole("button", { name: "Move Category up" }).click();
    await dialog.getByRole("button", { name: "Save view" }).click();
    await expect(dialog).toBeHidden();
    await expect(table.getByRole("columnheader", { name: "Description" })).toHaveCount(0);

    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    const headers = page.getByRole("table", { name: "Roles" }).getByRole("columnheader");
    // The first header holds the select-all checkbox.
    await expect(headers.nth(1)).toHaveText("Role");
    await expect(headers.nth(2)).toHaveText("Category");
    await expect(headers.nth(3)).toHaveText("System");
    await expect(headers.nth(4)).toHaveText("Domain type");
    await expect(page.getByRole("table", { name: "Roles" }).getByRole("columnheader", { name: "Description" })).toHaveCount(0);
    await expect(page.getByRole("table", { name: "Roles" }).locator("tr", { hasText: ROLE })).toContainText("None");
    expect(problems).toEqual([]);
  });

  test("deleting selected systems asks first, naming them, and refuses a system still in use", async ({ page }) => {
    const problems = watchConsole(page);
    const spare = [`Old ${tag} A`, `Old ${tag} B`];
    for (const name of spare) await createSystem(page.request, name);
    const busy = `Busy ${tag}`;
    await createRole(page.request, busy, `Busy role ${tag}`);

    // A system that still has a role is refused by name, and stays.
    await gotoHydrated(page, `/systems?q=${encodeURIComponent(busy)}`);
    await page.getByRole("checkbox", { name: `Select ${busy}` }).check();
    await page.getByRole("button", { name: "Delete selected (1)" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete systems" });
    await expect(dialog).toContainText(busy);
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await expect(page.getByRole("alert")).toContainText(`Busy role ${tag}`);
    await expect(page.getByRole("alert")).toContainText("Nothing was deleted");
    await expect(page.getByRole("table", { name: "Systems" }).getByRole("link", { name: busy })).toBeVisible();

    // Two unused systems: the dialog names both; Escape deletes nothing; Delete deletes both.
    await gotoHydrated(page, `/systems?q=${encodeURIComponent(`Old ${tag}`)}`);
    await page.getByRole("checkbox", { name: "Select all systems on this page" }).check();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    await expect(dialog).toContainText(spare.join(", "));
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("table", { name: "Systems" }).getByRole("link", { name: spare[0] })).toBeVisible();
    await page.getByRole("button", { name: "Delete selected (2)" }).click();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await expect(page.getByRole("status")).toContainText(`Deleted ${spare.join(", ")}`);
    await expect(page.getByRole("table", { name: "Systems" }).getByRole("link", { name: spare[0] })).toHaveCount(0);
    await expect(page.getByRole("table", { name: "Systems" }).getByRole("link", { name: spare[1] })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Delete selected (0)" })).toBeDisabled();
    expect(problems).toEqual([]);
  });

  test("the mail lists CSV download holds only what the search shows", async ({ page }) => {
    const problems = watchConsole(page);
    const domain = await createMailDomain(page.request, `c${tag}.example`);
    await createMailList(page.request, domain, `news-${tag}`);
    await createMailList(page.request, domain, `jobs-${tag}`);

    await gotoHydrated(page, `/mail-lists?q=${encodeURIComponent(`news-${tag}`)}`);
    await expect(page.getByRole("table", { name: "Mail lists" }).getByRole("link", { name: `news-${tag}` })).toBeVisible();
    const link = page.getByRole("link", { name: "Download CSV of mail lists" });
    await expect(link).toHaveAttribute("href", new RegExp(`/files/mail-lists\\.csv\\?q=news-${tag}&`));
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("mail-lists.csv");
    const lines = readFileSync(await download.path(), "utf8").slice(1).split("\r\n").filter((line) => line !== "");
    // The columns of the list's View (by default name, domain, description), in its order.
    expect(lines[0]).toBe("name,domain,description");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`news-${tag},c${tag}.example`);
    expect(lines.join("\n")).not.toContain(`jobs-${tag}`);
    expect(problems).toEqual([]);
  });
});
