import { test, expect, Page } from "@playwright/test";
import { SAME_SITE } from "./api";
import { readFileSync } from "node:fs";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

const LABEL = "Before the e2e changes";
const EXPORT_PASSWORD = "correct horse battery staple";

/// Signs the Owner in, creating the account first when this spec runs on its own.
async function signInOwner(page: Page) {
  await page.goto("/");
  if (page.url().endsWith("/setup")) {
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Setup token").fill(process.env.REWIND_SETUP_TOKEN ?? "");
    await page.getByLabel("User name").fill(OWNER.username);
    await page.getByLabel("Display name").fill(OWNER.displayName);
    await page.getByLabel("Password", { exact: true }).fill(OWNER.password);
    await page.getByLabel("Repeat password").fill(OWNER.password);
    await page.getByRole("button", { name: "Create Owner and sign in" }).click();
    await expect(page.getByTestId("signed-in")).toBeVisible();
    return;
  }
  await signIn(page, OWNER.username, OWNER.password);
}

/// Identity data changes go through the server functions (their screens are elsewhere).
async function createSystem(page: Page, name: string) {
  const response = await page.request.post("/api/create_system", { headers: SAME_SITE,
    form: { name, description: "created by the system-backup test" },
  });
  expect(response.status(), await response.text()).toBe(200);
}

async function systemNames(page: Page): Promise<string[]> {
  const response = await page.request.post("/api/list_systems", { headers: SAME_SITE, data: { as_of: null } });
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { name: string }[]).map((s) => s.name);
}

/// Reads the newest restore code from the Owner's inbox (in a second tab) and marks it read.
async function codeFromOwnerInbox(page: Page): Promise<string> {
  const inbox = await page.context().newPage();
  await gotoHydrated(inbox, "/inbox");
  await expect(inbox.getByRole("link", { name: "Inbox, 1 unread message" })).toBeVisible();
  const message = inbox.getByRole("list", { name: "Messages" }).getByRole("listitem").first();
  await expect(message).toContainText("Restore approval code");
  const code = /Approval code: (\d+)/.exec((await message.textContent()) ?? "")?.[1] ?? "";
  expect(code).toMatch(/^\d{8}$/);
  await message.getByRole("button", { name: /^Mark .* as read$/ }).click();
  await expect(inbox.getByRole("link", { name: "Inbox", exact: true })).toBeVisible();
  await inbox.close();
  return code;
}

/// Enters the code in the restore dialog and waits for the page to reload with the restored data.
async function restoreWithCode(page: Page, code: string) {
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Approval code").fill(code);
  const reloaded = page.waitForEvent("framenavigated", { predicate: (f) => f === page.mainFrame(), timeout: 30_000 });
  await dialog.getByRole("button", { name: "Restore now" }).click();
  await reloaded;
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { level: 1, name: "System backup" })).toBeVisible();
}

async function openSystemBackup(page: Page) {
  await gotoHydrated(page, "/system-backup");
  await expect(page.getByRole("heading", { level: 1, name: "System backup" })).toBeVisible();
}

let systemsInBackup = 0;

// One fresh database per run: these steps build on each other.
test.describe.serial("system backup", () => {
  test("a labelled backup runs in the background and lists its contents", async ({ page }) => {
    const problems = watchConsole(page);
    await signInOwner(page);
    await createSystem(page, "Payroll");
    await openSystemBackup(page);

    await page.getByLabel("Label (optional)").fill(LABEL);
    await page.getByRole("button", { name: "Create backup" }).click();
    await expect(page.getByRole("status").filter({ hasText: "The backup is ready." })).toBeVisible();

    const row = page.getByRole("table", { name: "Backups" }).getByRole("row").filter({ hasText: LABEL });
    await expect(row).toContainText("Manual");
    await expect(row).toContainText(OWNER.username);
    await expect(row).toContainText(/\d+ rows? in \d+ tables?/);
    await row.getByRole("button", { name: `Details of ${LABEL}` }).click();
    const contents = page.getByRole("table", { name: `Contents of ${LABEL}` });
    // Other specs share the database: the count is whatever was there, at least Payroll.
    const systemsCell = contents.getByRole("row").filter({ hasText: /^systems/ }).getByRole("cell").nth(1);
    await expect(systemsCell).toHaveText(/^\d+$/);
    systemsInBackup = Number(await systemsCell.textContent());
    expect(systemsInBackup).toBeGreaterThanOrEqual(1);

    // Download gives the stored (gzip) file.
    const downloading = page.waitForEvent("download");
    await row.getByRole("link", { name: `Download ${LABEL}` }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.rewind\.tar\.gz$/);
    expect([...readFileSync(await download.path()).subarray(0, 2)]).toEqual([0x1f, 0x8b]);

    // Filters live in the URL: automatic backups only hides the manual one.
    await page.getByLabel("Type").selectOption("automatic");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect(page).toHaveURL(/type=automatic/);
    await expect(page.getByText("No backup matches these filters.")).toBeVisible();
    await page.getByRole("link", { name: "Clear filters" }).click();
    await expect(page.getByRole("table", { name: "Backups" }).getByRole("row").filter({ hasText: LABEL })).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("the schedule shows errors at the field and the next run once saved", async ({ page }) => {
    const problems = watchConsole(page);
    await signInOwner(page);
    await openSystemBackup(page);
    const schedule = page.getByRole("form", { name: "Backup schedule" });
    await schedule.getByLabel("Take automatic backups").check();
    await schedule.getByLabel("Frequency").selectOption("weekly");
    await schedule.getByLabel("Day of the week").selectOption("2");
    await schedule.getByLabel(/^Time \(/).fill("02:30");
    await schedule.getByLabel("Automatic backups to keep").fill("0");
    await schedule.getByRole("button", { name: "Save schedule" }).click();
    await expect(schedule.getByText("Keep between 1 and 1000 backups.")).toBeVisible();
    await expect(schedule.getByLabel("Automatic backups to keep")).toHaveAttribute("aria-invalid", "true");

    await schedule.getByLabel("Automatic backups to keep").fill("7");
    await schedule.getByRole("button", { name: "Save schedule" }).click();
    await expect(schedule.getByText(/Next automatic backup: \d{4}-\d\d-\d\d 02:30 UTC/)).toBeVisible();
    expect(problems.filter((p) => !p.includes("422"))).toEqual([]);
  });

  test("an export is restored by import after the Owner's approval", async ({ page }) => {
    const problems = watchConsole(page);
    await signInOwner(page);
    await openSystemBackup(page);

    // Export: a short password is refused at the field, then the browser downloads the file.
    const exportForm = page.getByRole("form", { name: "Export" });
    await exportForm.getByLabel("Export password", { exact: true }).fill("abc");
    await exportForm.getByRole("button", { name: "Export encrypted backup" }).click();
    await expect(exportForm.getByText("Use at least 4 characters.")).toBeVisible();
    await exportForm.getByLabel("Export password", { exact: true }).fill(EXPORT_PASSWORD);
    await expect(exportForm.getByText(/Strength: strong/)).toBeVisible();
    await exportForm.getByLabel("Confirm export password").fill(EXPORT_PASSWORD);
    await exportForm.getByLabel("Your sign-in password").fill(OWNER.password);
    const downloading = page.waitForEvent("download");
    await exportForm.getByRole("button", { name: "Export encrypted backup" }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.rewind\.age$/);
    const exported = await download.path();
    expect(readFileSync(exported).subarray(0, 21).toString("latin1")).toBe("age-encryption.org/v1");

    // A change made after the export, which the restore must undo.
    await createSystem(page, "Added after export");
    expect(await systemNames(page)).toContain("Added after export");

    // Import: a file that is no backup and a wrong password are named as such; the right
    // password shows the contents. Validating adds nothing to the catalogue; Import does.
    const catalogue = async () =>
      (await (await page.request.post("/api/list_system_backups", { headers: SAME_SITE })).json()).length;
    const listedBefore = await catalogue();
    const importForm = page.getByRole("form", { name: "Import" });
    await importForm.getByLabel("Backup file").setInputFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("not a backup at all\n"),
    });
    await importForm.getByRole("button", { name: "Validate" }).click();
    await expect(importForm.getByRole("alert")).toContainText("This file is not a Rewind backup.");
    await importForm.getByLabel("Backup file").setInputFiles(exported);
    await importForm.getByLabel("Backup password").fill("not the password");
    await importForm.getByRole("button", { name: "Validate" }).click();
    await expect(importForm.getByRole("alert")).toContainText("Wrong password");
    await importForm.getByLabel("Backup password").fill(EXPORT_PASSWORD);
    await importForm.getByRole("button", { name: "Validate" }).click();
    const checked = page.getByRole("status", { name: "Checked backup" });
    await expect(checked).toContainText("The file is a sound backup");
    // What it holds in business terms; the raw tables (versions) only on request.
    await expect(checked).toContainText(/It holds \d+ users, \d+ groups, \d+ accounts, \d+ roles, \d+ systems, \d+ mail lists, \d+ mail domains\./);
    const uploaded = page.getByRole("table", { name: "Contents of the uploaded backup" });
    await expect(uploaded).toBeHidden();
    await checked.getByText("Tables and versions").click();
    await expect(uploaded.getByRole("row").filter({ hasText: /^systems/ }).getByRole("cell").nth(1)).toHaveText(String(systemsInBackup));

    expect(await catalogue()).toBe(listedBefore);
    // Import asks for the Owner's one-time code.
    await checked.getByRole("button", { name: "Import", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toContainText("All current identity data will be overwritten");
    expect(await catalogue()).toBe(listedBefore + 1);
    await dialog.getByRole("button", { name: "Request approval code" }).click();
    await expect(dialog.getByLabel("Approval code")).toBeVisible();

    // The code is in the Owner's inbox, announced by the header badge.
    const code = await codeFromOwnerInbox(page);

    // A wrong code is refused with the attempts left; the right one restores and reloads.
    const wrong = code.slice(0, 7) + ((Number(code[7]) + 1) % 10).toString();
    await dialog.getByLabel("Approval code").fill(wrong);
    await dialog.getByRole("button", { name: "Restore now" }).click();
    await expect(dialog.getByRole("alert")).toContainText("Wrong code; 4 attempts left.");
    await restoreWithCode(page, code);

    const names = await systemNames(page);
    expect(names).toContain("Payroll");
    expect(names).not.toContain("Added after export");
    await gotoHydrated(page, "/");
    const activity = page.getByRole("table", { name: "Recent activity" });
    await expect(activity.getByRole("row").filter({ hasText: "system-backup.restore" }).first()).toContainText("ok");
    expect(problems.filter((p) => !p.includes("422"))).toEqual([]);
  });

  test("a listed backup is restored after the Owner's approval", async ({ page }) => {
    const problems = watchConsole(page);
    await signInOwner(page);
    await createSystem(page, "Added after the labelled backup");
    await openSystemBackup(page);
    const row = page.getByRole("table", { name: "Backups" }).getByRole("row").filter({ hasText: LABEL });
    await row.getByRole("button", { name: `Restore ${LABEL}` }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("heading", { name: `Restore “${LABEL}”` })).toBeVisible();
    await dialog.getByRole("button", { name: "Request approval code" }).click();
    await expect(dialog).toContainText("A one-time code was sent to your inbox");
    await restoreWithCode(page, await codeFromOwnerInbox(page));

    const names = await systemNames(page);
    expect(names).toContain("Payroll");
    expect(names).not.toContain("Added after the labelled backup");
    expect(problems).toEqual([]);
  });

  test("deleting a backup asks first, naming it; Escape cancels", async ({ page }) => {
    const problems = watchConsole(page);
    await signInOwner(page);
    await openSystemBackup(page);
    const rows = page.getByRole("table", { name: "Backups" }).getByRole("row").filter({ hasText: LABEL });
    await rows.getByRole("button", { name: `Delete ${LABEL}` }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("heading", { name: "Delete backup" })).toBeVisible();
    await expect(dialog).toContainText(`“${LABEL}”`);
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(rows).toHaveCount(1);

    await rows.getByRole("button", { name: `Delete ${LABEL}` }).click();
    await dialog.getByRole("button", { name: "Delete backup" }).click();
    await expect(dialog).toBeHidden();
    await expect(rows).toHaveCount(0);
    expect(problems).toEqual([]);
  });
});
