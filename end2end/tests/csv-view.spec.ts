import { expect, Page, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

// A list's CSV holds what its table shows: the View's columns, in its order.
async function download(page: Page): Promise<string[]> {
  const link = page.getByRole("link", { name: /^Download CSV/ });
  const [file] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const text = readFileSync(await file.path(), "utf8").replace(/^\ufeff/, "");
  return text.split("\r\n").filter((line) => line !== "");
}

test("the Backups page's CSV has the columns and headers of its View, in order", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/backups");
  await page.getByRole("button", { name: "View", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Columns" });
  await dialog.getByRole("checkbox", { name: "Size" }).uncheck();
  await dialog.getByRole("button", { name: "Move Valid since up" }).click();
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toBeHidden();
  const headers = page.getByRole("table", { name: "Snapshots of all users" }).getByRole("columnheader");
  // The selection column has no data, so no CSV column.
  const shown = (await headers.allTextContents()).map((h) => h.trim()).filter((h) => h !== "" && h !== "Select");
  const lines = await download(page);
  expect(lines[0].split(",")).toEqual(shown);
  expect(lines[0]).toBe("Valid since,User name,Valid until,XML");
  expect(lines.length).toBeGreaterThan(1);
  // The View is the operator's, shared with other tests: put it back.
  await page.getByRole("button", { name: "View", exact: true }).click();
  await dialog.getByRole("checkbox", { name: "Size" }).check();
  await dialog.getByRole("button", { name: "Move Valid since down" }).click();
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toBeHidden();
  expect(problems).toEqual([]);
});

test("a directory list's CSV follows its View", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/roles");
  await page.getByRole("button", { name: "View", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Columns" });
  await dialog.getByRole("checkbox", { name: "Description" }).uncheck();
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toBeHidden();
  const shown = await page.getByRole("table", { name: "Roles" }).getByRole("columnheader").count();
  const lines = await download(page);
  const header = lines[0].split(",");
  expect(header).not.toContain("description");
  expect(header[0]).toBe("name");
  // One CSV column per table column (the selection checkbox column has no CSV column).
  expect(header.length).toBeLessThanOrEqual(shown);
  // The View is the operator's, shared with other tests: put it back.
  await page.getByRole("button", { name: "View", exact: true }).click();
  await dialog.getByRole("checkbox", { name: "Description" }).check();
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toBeHidden();
  expect(problems).toEqual([]);
});
