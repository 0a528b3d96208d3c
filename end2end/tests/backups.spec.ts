import { test, expect, Page } from "@playwright/test";
import { SAME_SITE } from "./api";
import * as fs from "fs";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";
import * as api from "./api";

// One user with four snapshots (delay 0: every change is a new snapshot):
// created -> + membership of "Bk Sales" -> + role "Bk Viewer" -> email changed.
let bea = 0;
let staff = 0;
let sales = 0;
let viewer = 0;

async function openBackups(page: Page, user: number) {
  await gotoHydrated(page, `/users/${user}/backups`);
  await expect(page.getByRole("table", { name: "Snapshots" })).toBeVisible();
}

test.describe.serial("user backups, history and restore", () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("the backups tab lists the user's snapshots, newest first", async ({ page }) => {
    const problems = watchConsole(page);
    await api.setSnapshotDelay(page.request, 0);
    staff = await api.createGroup(page.request, "Bk Staff");
    sales = await api.createGroup(page.request, "Bk Sales");
    bea = await api.createUser(page.request, "bea.backup", staff);
    await api.addMembership(page.request, bea, sales);
    viewer = await api.createRole(page.request, "Bk System", "Bk Viewer");
    await api.grantToUser(page.request, viewer, bea);
    await api.updateUser(page.request, bea, api.userInput("bea.backup", staff, "bea.new@example.test"));

    await openBackups(page, bea);
    const rows = page.getByRole("table", { name: "Snapshots" }).locator("tbody tr");
    await expect(rows).toHaveCount(4);
    // The newest is still valid: its "valid until" is empty.
    await expect(rows.first().locator("td").nth(1)).toHaveText("");

    expect(problems).toEqual([]);
  });

  test("compare shows what changed since a snapshot", async ({ page }) => {
    await openBackups(page, bea);
    const rows = page.getByRole("table", { name: "Snapshots" }).locator("tbody tr");
    await rows.last().getByRole("button", { name: /^Compare/ }).click();
    const diff = page.getByRole("region", { name: "Differences" });
    await expect(diff).toContainText("+ Bk Sales");
    await expect(diff).toContainText("+ Bk Viewer");
    const attributes = diff.getByRole("table", { name: "Changed attributes" });
    await expect(attributes).toContainText("bea.new@example.test");
    await expect(attributes.locator("tbody tr", { hasText: "bea.new@example.test" }).getByRole("rowheader")).toHaveText("Email");
  });

  test("a selective restore changes only what was chosen, and Undo puts it back", async ({ page }) => {
    const problems = watchConsole(page);
    await openBackups(page, bea);
    const rows = page.getByRole("table", { name: "Snapshots" }).locator("tbody tr");
    await rows.last().getByRole("button", { name: /^Restore/ }).click();
    const dialog = page.getByRole("dialog", { name: "Restore snapshot" });
    await expect(dialog).toContainText("Remove membership of group Bk Sales");
    await expect(dialog).toContainText('Change attributes: Email: "bea.new@example.test" → "bea.backup@example.test"');
    // Keep the membership; restore the rest (email back, role revoked).
    await dialog.getByRole("checkbox", { name: /membership of group Bk Sales/ }).uncheck();
    await dialog.getByRole("button", { name: "Confirm restore" }).click();
    // Said in words, not as a plan's debug line.
    await expect(page.getByRole("status")).toContainText(/\d+ changes? restored/);
    await expect(page.getByRole("status")).not.toContainText("snapshot #");
    // Chosen items changed, the unchosen membership stayed.
    const now = await (await page.request.post("/api/get_user", { headers: SAME_SITE, data: { id: bea, as_of: null } })).json();
    expect(now.state.attributes.email).toBe("bea.backup@example.test");
    expect(now.state.memberships.map((m: { group_name: string }) => m.group_name)).toContain("Bk Sales");
    expect(now.state.grants).toEqual([]);

    await page.getByRole("button", { name: "Undo restore" }).click();
    await expect(page.getByRole("status")).toContainText("Restore undone");
    await expect(page.getByRole("button", { name: "Undo restore" })).toHaveCount(0);
    await page.getByRole("navigation", { name: "User sections" }).getByRole("link", { name: "Basics" }).click();
    await expect(page.getByLabel("Email")).toHaveValue("bea.new@example.test");
    expect(problems).toEqual([]);
  });

  test("an item that can no longer be restored is listed with the reason", async ({ page }) => {
    // The role is revoked and deleted; a snapshot that had it cannot bring it back.
    const other = await api.createRole(page.request, "Bk Other", "Bk Temp");
    const grant = await api.grantToUser(page.request, other, bea);
    await api.revokeGrant(page.request, grant);
    await api.deleteRole(page.request, other);
    await openBackups(page, bea);
    const rows = page.getByRole("table", { name: "Snapshots" }).locator("tbody tr");
    // The second newest snapshot still had Bk Temp.
    await rows.nth(1).getByRole("button", { name: /^Restore/ }).click();
    const dialog = page.getByRole("dialog", { name: "Restore snapshot" });
    await expect(dialog).toContainText('cannot be restored: the role "Bk Temp" was deleted');
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
  });

  test("an ended membership is restored from the groups history", async ({ page }) => {
    await gotoHydrated(page, `/users/${bea}/groups`);
    await page.getByRole("button", { name: "Remove from Bk Sales" }).click();
    await page.getByRole("dialog", { name: "Remove from Bk Sales" }).getByRole("button", { name: "Yes, remove" }).click();
    await expect(page.getByRole("table", { name: "Group memberships" })).not.toContainText("Bk Sales");
    await page.getByRole("button", { name: "Groups history" }).click();
    const modal = page.getByRole("dialog", { name: "Groups history" });
    await modal.getByLabel("Show").selectOption("ended");
    await modal.getByRole("button", { name: "Restore group Bk Sales" }).first().click();
    const confirmation = page.getByRole("dialog", { name: "Restore record" });
    await expect(confirmation).toContainText("Re-create group Bk Sales");
    await confirmation.getByRole("button", { name: "Re-create" }).click();
    await expect(confirmation).toBeHidden();
    await modal.getByLabel("Show").selectOption("current");
    await expect(modal.getByRole("table")).toContainText("group Bk Sales");
    await page.keyboard.press("Escape");
    await expect(page.getByRole("table", { name: "Group memberships" })).toContainText("Bk Sales");
  });

  test("the roles, accounts and mail lists history modals re-create ended records", async ({ page }) => {
    const problems = watchConsole(page);
    const auditor = await api.createRole(page.request, "Bk Audit System", "Bk Auditor");
    await api.revokeGrant(page.request, await api.grantToUser(page.request, auditor, bea));
    const account = await api.createAccount(page.request, await api.createSystem(page.request, "Bk Mail System"), "bea.mailbox");
    await api.setAccountOwner(page.request, account, bea);
    await api.removeAccountOwner(page.request, account, bea);
    const list = await api.createMailList(page.request, await api.createMailDomain(page.request, "bk.example.test"), "bk-announce");
    await api.addUserToMailList(page.request, list, bea);
    await api.removeUserFromMailList(page.request, list, bea);

    await openBackups(page, bea);
    for (const [menu, record, tab, table, name] of [
      ["Roles history", "role Bk Auditor", "roles", "Granted roles", "Bk Auditor"],
      ["Accounts history", "account bea.mailbox as owner", "accounts", "Accounts", "bea.mailbox"],
      ["Mail lists history", "mail list bk-announce", "mail-lists", "Mail lists", "bk-announce"],
    ]) {
      // The Backups tab's History menu.
      await page.locator("summary", { hasText: "History" }).click();
      await page.getByRole("button", { name: menu }).click();
      const modal = page.getByRole("dialog", { name: menu });
      await modal.getByLabel("Show").selectOption("ended");
      await modal.getByRole("button", { name: `Restore ${record}` }).first().click();
      const confirmation = page.getByRole("dialog", { name: "Restore record" });
      await expect(confirmation).toContainText(`Re-create ${record}`);
      await confirmation.getByRole("button", { name: "Re-create" }).click();
      await expect(confirmation).toBeHidden();
      await modal.getByLabel("Show").selectOption("current");
      await expect(modal.getByRole("table")).toContainText(record);
      await page.keyboard.press("Escape");
      await expect(modal).toBeHidden();
      await gotoHydrated(page, `/users/${bea}/${tab}`);
      await expect(page.getByRole("table", { name: table })).toContainText(name);
      await openBackups(page, bea);
    }
    expect(problems).toEqual([]);
  });

  test("configure backup validates, and a change inside the delay updates the newest snapshot", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, "/backups");
    await page.getByRole("button", { name: "Configure backup" }).click();
    const dialog = page.getByRole("dialog", { name: "Configure backup" });
    await dialog.getByLabel("Minimum delay between backups").fill("0");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByRole("alert").first()).toContainText("greater than 0");
    await dialog.getByLabel("Minimum delay between backups").fill("2");
    await dialog.getByLabel("Unit").selectOption("hours");
    await dialog.getByLabel("Number of backups to keep").fill("30");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog).toBeHidden();

    await openBackups(page, bea);
    const rows = page.getByRole("table", { name: "Snapshots" }).locator("tbody tr");
    const before = await rows.count();
    await api.updateUser(page.request, bea, api.userInput("bea.backup", staff, "bea.third@example.test"));
    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(rows).toHaveCount(before);
    await rows.first().getByRole("button", { name: /^Compare/ }).click();
    // The newest snapshot already holds the change: nothing differs from now.
    await expect(page.getByRole("region", { name: "Differences" })).toContainText("No differences.");
    // Settings re-open with the saved values.
    await gotoHydrated(page, "/backups");
    await page.getByRole("button", { name: "Configure backup" }).click();
    await expect(dialog.getByLabel("Minimum delay between backups")).toHaveValue("2");
    await expect(dialog.getByLabel("Unit")).toHaveValue("hours");
    await api.setSnapshotDelay(page.request, 0);
    expect(problems).toEqual([]);
  });

  test("several users' snapshots are restored together from the Backups page", async ({ page }) => {
    const cid = await api.createUser(page.request, "cid.multi", staff);
    await api.updateUser(page.request, cid, api.userInput("cid.multi", staff, "cid.changed@example.test"));
    await gotoHydrated(page, "/backups?q=multi");
    const table = page.getByRole("table", { name: "Snapshots of all users" });
    await expect(table.locator("tbody tr")).toHaveCount(2);
    // The oldest snapshot of each user, on one page.
    await gotoHydrated(page, "/backups?filter=" + encodeURIComponent('userName eq "cid.multi" or userName eq "bea.backup"') + "&sort=%2Bsince");
    const oldest = page.getByRole("table", { name: "Snapshots of all users" }).locator("tbody tr");
    await oldest.filter({ hasText: "cid.multi" }).first().getByRole("checkbox").check();
    await oldest.filter({ hasText: "bea.backup" }).first().getByRole("checkbox").check();
    await page.getByRole("button", { name: "Restore selected (2)" }).click();
    const dialog = page.getByRole("dialog", { name: "Restore snapshots" });
    await expect(dialog.getByRole("region", { name: "Restore of cid.multi" })).toBeVisible();
    await expect(dialog.getByRole("region", { name: "Restore of bea.backup" })).toBeVisible();
    await dialog.getByRole("button", { name: "Confirm restore" }).click();
    const results = dialog.getByRole("list", { name: "Restore results" });
    await expect(results).toContainText(/cid\.multi: \d+ changes? restored/);
    await expect(results).toContainText("bea.backup:");
    await expect(results).not.toContainText("not restored");
    await expect(dialog.getByRole("status").filter({ hasText: "restored." })).toHaveText("2 of 2 users restored.");
    await gotoHydrated(page, `/users/${cid}`);
    await expect(page.getByLabel("Email")).toHaveValue("cid.multi@example.test");
  });

  test("the group tree at a date before a rename shows the old name", async ({ page }) => {
    const problems = watchConsole(page);
    const old = await api.createGroup(page.request, "Bk Marketing");
    await page.waitForTimeout(1100);
    const between = new Date().toISOString();
    await page.waitForTimeout(1100);
    await api.renameGroup(page.request, old, "Bk Brand");
    await gotoHydrated(page, `/groups?as_of=${encodeURIComponent(between)}`);
    await expect(page.getByRole("status")).toContainText("Viewing groups as of");
    const tree = page.getByRole("tree", { name: "Group tree" });
    await expect(tree.getByRole("link", { name: "Bk Marketing", exact: true })).toBeVisible();
    await expect(tree).toContainText("now Bk Brand");
    await page.getByRole("button", { name: "Switch to current view" }).click();
    await expect(page).toHaveURL(/\/groups$/);
    await expect(tree.getByRole("link", { name: "Bk Brand", exact: true })).toBeVisible();
    await expect(tree.getByRole("link", { name: "Bk Marketing", exact: true })).toHaveCount(0);

    // The picker: Historical view -> a date -> Apply changes; Undo leaves without applying.
    await page.getByRole("button", { name: "Historical view" }).click();
    await page.getByLabel("View the groups as of (local time)").fill("2020-01-01T00:00");
    await page.getByRole("button", { name: "Undo" }).click();
    await expect(page).toHaveURL(/\/groups$/);
    await page.getByRole("button", { name: "Historical view" }).click();
    await page.getByLabel("View the groups as of (local time)").fill("2020-01-01T00:00");
    await page.getByRole("button", { name: "Apply changes" }).click();
    await expect(page).toHaveURL(/as_of=2020-01-01T00:00/);
    await expect(page.getByText("No groups yet.")).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("a deleted user is recovered from the recycle bin after a preview", async ({ page }) => {
    const problems = watchConsole(page);
    const dot = await api.createUser(page.request, "dot.deleted", staff);
    await api.addMembership(page.request, dot, sales);
    await api.deleteUser(page.request, dot);
    await gotoHydrated(page, "/recycle-bin");
    const row = page.getByRole("table", { name: "Deleted objects" }).locator("tr", { hasText: "dot.deleted" });
    await expect(row).toContainText(OWNER.username);
    await row.getByRole("button", { name: "Recover dot.deleted" }).click();
    const dialog = page.getByRole("dialog", { name: "Recover dot.deleted" });
    await expect(dialog.getByRole("list", { name: "Last state" })).toContainText("Member of Bk Sales");
    await dialog.getByRole("button", { name: "Confirm recovery" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("table", { name: "Deleted objects" })).not.toContainText("dot.deleted");
    await gotoHydrated(page, `/users/${dot}/groups`);
    await expect(page.getByRole("table", { name: "Group memberships" })).toContainText("Bk Sales");
    expect(problems).toEqual([]);
  });

  test("a snapshot downloads as well-formed XML", async ({ page }) => {
    await openBackups(page, bea);
    const rows = page.getByRole("table", { name: "Snapshots" }).locator("tbody tr");
    const download = page.waitForEvent("download");
    await rows.last().getByRole("link", { name: /Download XML/ }).click();
    const file = await (await download).path();
    const xml = fs.readFileSync(file!, "utf8");
    expect(xml).toContain("bea.backup");
    expect(xml).toContain("bea.backup@example.test");
    const parseErrors = await page.evaluate(
      (text) => new DOMParser().parseFromString(text, "application/xml").getElementsByTagName("parsererror").length,
      xml,
    );
    expect(parseErrors).toBe(0);
  });
});
