import { expect, Page, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import * as api from "./api";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

const rows = (page: Page) => page.getByRole("table", { name: "Audit log" }).locator("tbody tr");

test("the audit log filters by object, keeps the filters in the URL and downloads them as CSV", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const staff = await api.createGroup(page.request, "Au Staff");
  const user = await api.createUser(page.request, "aud.itee", staff);
  await api.updateUser(page.request, user, api.userInput("aud.itee", staff, "aud.itee.new@example.test"));

  // The "Audit" action on the user's page opens the log filtered on the user.
  await gotoHydrated(page, `/users/${user}`);
  await page.getByRole("link", { name: "Audit", exact: true }).click();
  await expect(page).toHaveURL(/\/audit\?target=aud\.itee/);
  await expect(rows(page).first()).toContainText("aud.itee");
  const count = await rows(page).count();
  expect(count).toBeGreaterThanOrEqual(2);
  for (let i = 0; i < count; i++) await expect(rows(page).nth(i)).toContainText("aud.itee");

  // Narrowed by action, through the form; the URL carries it.
  const filters = page.getByRole("form", { name: "Filter the audit log" });
  await filters.getByLabel("Action").fill("update");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/action=update/);
  await expect(rows(page)).toHaveCount(1);

  // Opened from the URL, the same lines; the CSV holds them.
  await gotoHydrated(page, page.url());
  await expect(rows(page)).toHaveCount(1);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download CSV" }).click(),
  ]);
  const lines = readFileSync(await download.path(), "utf8").replace(/^\ufeff/, "").split("\r\n").filter((l) => l);
  expect(lines[0]).toBe("at,who,action,target,outcome,details");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain("aud.itee");
  expect(problems).toEqual([]);
});

test("every directory object's page has an Audit action filtered on it", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const role = await api.createRole(page.request, "Au System", "Au Reviewer");
  await gotoHydrated(page, `/roles/${role}`);
  await page.getByRole("link", { name: "Audit", exact: true }).click();
  await expect(page).toHaveURL(/\/audit\?target=Au%20Reviewer/);
  await expect(rows(page).first()).toContainText("Au Reviewer");
  expect(problems).toEqual([]);
});
