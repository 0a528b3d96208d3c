import { test, expect, Page } from "@playwright/test";
import { SAME_SITE } from "./api";
import { readFileSync } from "node:fs";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

const GROUP = "CSV Team";

/// Fixtures through the API: the screens that make them are tested elsewhere.
async function createGroup(page: Page, name: string): Promise<number> {
  const created = await page.request.post("/api/create_group", { headers: SAME_SITE,
    data: {
      input: {
        name, description: "", parent: null, group_type: "", drive_letter: "", drive_server: "",
        disabled: false, active_since: null, active_until: null,
      },
    },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  return Number(await created.text());
}

async function createUser(page: Page, name: string, first: string, last: string, group: number) {
  const created = await page.request.post("/api/create_user", { headers: SAME_SITE,
    data: {
      input: {
        name, first_name: first, middle_name: "", last_name: last, user_type: "", primary_group: group,
        home_server: "", profile_server: "", mail_server: "", email: `${name}@example.test`,
        mail_aliases: "", enabled: true, multi_session: false, comments: "", custom: [],
      },
    },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
}

/// Chooses a CSV file (made in memory) on the import page and previews it.
async function uploadAndPreview(page: Page, csv: string) {
  await page.getByLabel("CSV file").setInputFiles({ name: "users.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Upload & preview" }).click();
  await expect(page.getByRole("table", { name: "Import preview" })).toBeVisible();
}

test.describe.serial("CSV download and import", () => {
  test("the users list downloads as CSV with its search, quoting commas and quotes", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    const group = await createGroup(page, GROUP);
    await createUser(page, "csv.ann", "Zoë", 'Smith, "Jr"', group);
    await createUser(page, "csv.ben", "Ben", "Ng", group);

    await gotoHydrated(page, "/users?q=csv.a");
    const link = page.getByRole("link", { name: "Download CSV" });
    await expect(link).toHaveAttribute("href", /\/files\/users\.csv\?q=csv\.a&/);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toBe("users.csv");
    const text = readFileSync(await download.path(), "utf8");
    expect(text.startsWith("\ufeff")).toBeTruthy();
    const lines = text.slice(1).split("\r\n").filter((line) => line !== "");
    const header = lines[0].split(",");
    expect(header).toContain("userName");
    expect(header).toContain("fullName");
    // Only the user the search matches, with the full name quoted as RFC 4180 says.
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("csv.ann");
    expect(lines[1]).toContain('"Zoë Smith, ""Jr"""');
    expect(problems).toEqual([]);
  });

  test("an import previews, follows a changed mapping and reports what it did", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await gotoHydrated(page, "/users");
    await page.getByRole("link", { name: "Import CSV" }).click();
    await expect(page).toHaveURL(/\/users\/import$/);
    await expect(page.getByRole("heading", { level: 1, name: "Import users" })).toBeVisible();

    await uploadAndPreview(
      page,
      "User name,First name,Last name,Primary group,Email\n" +
        `csv.cat,Cat,Stone,${GROUP},cat@example.test\n` +
        `csv.dan,Dan,Young,${GROUP},dan@example.test\n` +
        `csv.ann,Zoë,"Smith, ""Jr""",${GROUP},ann@new.test\n`,
    );
    const preview = page.getByRole("table", { name: "Import preview" });
    await expect(page.getByText("3 rows: 2 to create, 1 to update, 0 unchanged, 0 with errors.")).toBeVisible();
    await expect(preview.locator("tr", { hasText: "csv.cat" })).toContainText("Create");
    await expect(preview.locator("tr", { hasText: "csv.ann" })).toContainText("Update");
    await expect(page.getByLabel("Import column Email as")).toHaveValue("email");

    // Without the Email column, csv.ann has nothing new: the preview follows the mapping.
    await page.getByLabel("Import column Email as").selectOption({ label: "Do not import" });
    await expect(page.getByText("3 rows: 2 to create, 0 to update, 1 unchanged, 0 with errors.")).toBeVisible();
    await expect(preview.locator("tr", { hasText: "csv.ann" })).toContainText("No change");
    await expect(page.getByLabel("Import column Email as")).toHaveValue("");

    await page.getByRole("button", { name: "Import", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "Created 2, updated 0." })).toBeVisible();
    await page.getByRole("link", { name: "Go to the users" }).click();
    await expect(page).toHaveURL(/\/users$/);
    await gotoHydrated(page, "/users?q=csv.");
    const users = page.getByRole("table", { name: "Users" });
    await expect(users.getByRole("link", { name: "csv.cat" })).toBeVisible();
    await expect(users.getByRole("link", { name: "csv.dan" })).toBeVisible();
    await users.getByRole("link", { name: "csv.cat" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "User csv.cat" })).toBeVisible();
    // The Email column was not imported.
    await expect(page.getByLabel("Email", { exact: true })).toHaveValue("");
    expect(problems).toEqual([]);
  });

  test("an import with an unknown primary group shows the row error and imports nothing", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await gotoHydrated(page, "/users/import");
    await uploadAndPreview(page, `userName,primaryGroup\ncsv.eve,${GROUP}\ncsv.fay,Nowhere\n`);
    await expect(page.getByText("2 rows: 1 to create, 0 to update, 0 unchanged, 1 with errors.")).toBeVisible();
    const bad = page.getByRole("table", { name: "Import preview" }).locator("tr", { hasText: "csv.fay" });
    await expect(bad).toHaveClass(/invalid/);
    await expect(bad).toContainText("Error");
    await expect(bad).toContainText('Primary group: There is no group named "Nowhere".');

    await page.getByRole("button", { name: "Import", exact: true }).click();
    const alert = page.getByRole("alert");
    await expect(alert).toContainText("Nothing was imported: 1 of 2 rows have errors.");
    await expect(alert).toContainText('Line 3: Primary group: There is no group named "Nowhere".');

    await gotoHydrated(page, "/users?q=csv.eve");
    await expect(page.getByText("0 users · page 1 of 1")).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("the groups page downloads its groups and links to their import", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await gotoHydrated(page, "/groups");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download CSV of groups" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("groups.csv");
    const text = readFileSync(await download.path(), "utf8");
    expect(text).toContain(`\r\n${GROUP},`);
    await page.getByRole("link", { name: "Import CSV of groups" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Import groups" })).toBeVisible();
    expect(problems).toEqual([]);
  });
});
