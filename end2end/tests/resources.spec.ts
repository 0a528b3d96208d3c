import { test, expect } from "@playwright/test";
import { createSystem } from "./api";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// A declared kind's pages (systems here): history with restore of an old version, the as-of
// view, and the recycle bin's recovery.
const tag = Date.now().toString(36);

test.describe.serial("resource engine pages", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("a renamed system is seen as it was, and its old version is restored from the history", async ({ page }) => {
    const problems = watchConsole(page);
    const first = `Ledger ${tag}`;
    const renamed = `General ledger ${tag}`;
    const id = await createSystem(page.request, first);
    await page.waitForTimeout(50);
    const between = new Date().toISOString();
    await page.waitForTimeout(50);

    await gotoHydrated(page, `/systems/${id}`);
    await page.getByLabel("System name").fill(renamed);
    await page.getByLabel("Description").fill("books");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Saved system ${renamed}.`);
    await expect(page.getByRole("heading", { level: 1, name: `System ${renamed}` })).toBeVisible();

    // As of before the rename: the old name, read-only, with a way back.
    await gotoHydrated(page, `/systems/${id}?as_of=${encodeURIComponent(between)}`);
    await expect(page.getByRole("heading", { level: 1, name: `System ${first}` })).toBeVisible();
    await expect(page.getByRole("status")).toContainText("Viewing this system as of");
    await expect(page.getByLabel("System name")).toHaveAttribute("readonly", "");
    await expect(page.getByRole("button", { name: "Apply" })).toHaveCount(0);
    await page.getByRole("link", { name: "Switch to current view" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `System ${renamed}` })).toBeVisible();

    // The history lists both versions, the changed values marked; Restore brings the first back.
    await page.getByRole("button", { name: "History" }).click();
    const dialog = page.getByRole("dialog", { name: `History of system ${renamed}` });
    const versions = dialog.getByRole("table", { name: "Versions" });
    await expect(versions.locator("tbody tr")).toHaveCount(2);
    await expect(versions.locator("tbody tr").first().locator("mark")).toHaveCount(2);
    await dialog.getByRole("button", { name: /^Restore the version of/ }).click();
    await expect(versions.locator("tbody tr")).toHaveCount(3);
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("heading", { level: 1, name: `System ${first}` })).toBeVisible();
    await expect(page.getByLabel("Description")).toHaveValue("");
    await expect(page.getByTestId("flash")).toContainText(`Restored system ${first}.`);
    expect(problems).toEqual([]);
  });

  test("a deleted system waits in the recycle bin and is recovered with its last values", async ({ page }) => {
    const problems = watchConsole(page);
    const name = `Archive ${tag}`;
    await createSystem(page.request, name);
    await gotoHydrated(page, `/systems?q=${encodeURIComponent(name)}`);
    await page.getByRole("checkbox", { name: `Select ${name}` }).check();
    await page.getByRole("button", { name: "Delete selected (1)" }).click();
    await page.getByRole("dialog", { name: "Delete systems" }).getByRole("button", { name: "Delete", exact: true }).click();
    await expect(page.getByRole("table", { name: "Systems" }).getByRole("link", { name })).toHaveCount(0);

    await gotoHydrated(page, "/recycle-bin");
    const row = page.getByRole("table", { name: "Deleted objects" }).locator("tr", { hasText: name });
    await expect(row).toContainText("System");
    await row.getByRole("button", { name: `Recover ${name}` }).click();
    const dialog = page.getByRole("dialog", { name: `Recover ${name}` });
    await expect(dialog.getByRole("list", { name: "Last state" })).toContainText(`System ${name}`);
    await dialog.getByRole("button", { name: "Confirm recovery" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("table", { name: "Deleted objects" }).locator("tr", { hasText: name })).toHaveCount(0);

    await gotoHydrated(page, `/systems?q=${encodeURIComponent(name)}`);
    await page.getByRole("table", { name: "Systems" }).getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { level: 1, name: `System ${name}` })).toBeVisible();
    expect(problems).toEqual([]);
  });
});
