import { expect, test } from "@playwright/test";
import * as api from "./api";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

// The Overview as a dashboard: counts that link to their lists and follow changes, the state
// of system backups, and the latest restores.
test("the overview counts what there is and links each count to its list", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/");
  const cards = page.getByRole("list", { name: "Directory" });
  const users = cards.getByRole("link", { name: /Users$/ });
  const before = Number((await users.locator(".count").textContent())!.trim());
  expect(before).toBeGreaterThan(0);
  const staff = await api.createGroup(page.request, "Ov Staff");
  await api.createUser(page.request, "otto.overview", staff);
  await gotoHydrated(page, "/");
  await expect(users.locator(".count")).toHaveText(String(before + 1));
  await users.click();
  await expect(page).toHaveURL(/\/users$/);
  expect(problems).toEqual([]);
});

test("the overview says when the last system backup was made and what is scheduled", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/");
  const backups = page.getByRole("region", { name: "System backups" });
  await expect(backups).toBeVisible();
  // Either a backup with its age in words, or the way to make the first one.
  await expect(backups).toContainText(/Last backup (just now|\d+ \w+ ago)|No system backup yet/);
  await expect(backups).toContainText(/Next scheduled backup|No automatic backups/);
  const restores = page.getByRole("region", { name: "Recent restores" });
  await expect(restores).toBeVisible();
  expect(problems).toEqual([]);
});

test("an auditor's overview has no system backup panel", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "audrey", "auditor password");
  await gotoHydrated(page, "/");
  await expect(page.getByRole("list", { name: "Directory" })).toBeVisible();
  await expect(page.getByRole("region", { name: "System backups" })).toHaveCount(0);
  // Auditors read the audit: restores and activity are there.
  await expect(page.getByRole("region", { name: "Recent restores" })).toBeVisible();
  expect(problems).toEqual([]);
});
