import { expect, Page, test } from "@playwright/test";
import * as api from "./api";
import { SAME_SITE } from "./api";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

// One user with five recorded changes: created, + membership of "Tl Sales", + role
// "Tl Viewer", email changed, membership ended.
let tia = 0;

async function openHistory(page: Page) {
  await gotoHydrated(page, `/users/${tia}/history`);
  await expect(page.getByRole("list", { name: "Timeline" })).toBeVisible();
}

const events = (page: Page) => page.getByRole("list", { name: "Timeline" }).locator(":scope > li");

async function userNow(page: Page) {
  const reply = await page.request.post("/api/get_user", { headers: SAME_SITE, data: { id: tia, as_of: null } });
  return (await reply.json()).state;
}

test.describe.serial("a user's history as a timeline", () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("every change is on the timeline, newest first, with what it changed and who", async ({ page }) => {
    const problems = watchConsole(page);
    const staff = await api.createGroup(page.request, "Tl Staff");
    const sales = await api.createGroup(page.request, "Tl Sales");
    tia = await api.createUser(page.request, "tia.timeline", staff);
    const membership = await api.addMembership(page.request, tia, sales);
    const viewer = await api.createRole(page.request, "Tl System", "Tl Viewer");
    await api.grantToUser(page.request, viewer, tia);
    await api.updateUser(page.request, tia, api.userInput("tia.timeline", staff, "tia.new@example.test"));
    const ended = await page.request.post("/api/remove_membership", { headers: SAME_SITE, form: { id: String(membership) } });
    expect(ended.ok()).toBe(true);

    await openHistory(page);
    await expect(events(page)).toHaveCount(5);
    await expect(events(page).nth(0)).toContainText("− Tl Sales");
    const email = events(page).nth(1).getByRole("table", { name: "Changed attributes" });
    await expect(email.getByRole("row", { name: /Email/ })).toContainText("tia.new@example.test");
    await expect(events(page).nth(2)).toContainText("+ Tl Viewer");
    await expect(events(page).nth(3)).toContainText("+ Tl Sales");
    await expect(events(page).nth(4)).toContainText("Created");
    for (let i = 0; i < 5; i++) await expect(events(page).nth(i)).toContainText(/by \S+/);
    expect(problems).toEqual([]);
  });

  test("the timeline shows only the kinds chosen", async ({ page }) => {
    const problems = watchConsole(page);
    await openHistory(page);
    const kinds = page.getByRole("group", { name: "Show changes of" });
    await kinds.getByRole("checkbox", { name: "Attributes" }).uncheck();
    await kinds.getByRole("checkbox", { name: "Roles" }).uncheck();
    // The membership added and ended; the creation, the grant and the email are hidden.
    await expect(events(page)).toHaveCount(2);
    await expect(events(page).nth(0)).toContainText("− Tl Sales");
    await expect(events(page).nth(1)).toContainText("+ Tl Sales");
    await kinds.getByRole("checkbox", { name: "Attributes" }).check();
    await expect(events(page)).toHaveCount(4);
    expect(problems).toEqual([]);
  });

  test("two chosen points compare as the changes between them", async ({ page }) => {
    const problems = watchConsole(page);
    await openHistory(page);
    await events(page).nth(4).getByRole("checkbox", { name: /^Choose the change/ }).check();
    await events(page).nth(2).getByRole("checkbox", { name: /^Choose the change/ }).check();
    await page.getByRole("button", { name: "Compare the two points" }).click();
    const diff = page.getByRole("region", { name: "Differences" });
    await expect(diff).toContainText("+ Tl Sales");
    await expect(diff).toContainText("+ Tl Viewer");
    await expect(diff).not.toContainText("tia.new@example.test");
    await expect(diff).toBeInViewport();
    expect(problems).toEqual([]);
  });

  test("restore to here puts the user back as at that point, and Undo reverses it", async ({ page }) => {
    const problems = watchConsole(page);
    await openHistory(page);
    // Back to just after the membership was added: no role, the first email, in Tl Sales.
    await events(page).nth(3).getByRole("button", { name: /^Restore to here/ }).click();
    const dialog = page.getByRole("dialog", { name: /^Restore to / });
    await expect(dialog).toContainText("Tl Sales");
    await expect(dialog).toContainText("Tl Viewer");
    await expect(dialog).toContainText("tia.timeline@example.test");
    await dialog.getByRole("button", { name: "Confirm restore" }).click();
    await expect(page.getByRole("status")).toContainText(/3 changes restored/);
    let now = await userNow(page);
    expect(now.attributes.email).toBe("tia.timeline@example.test");
    expect(now.memberships.map((m: { group_name: string }) => m.group_name)).toEqual(["Tl Sales"]);
    expect(now.grants).toEqual([]);
    // The restore is on the timeline too.
    await expect(events(page)).toHaveCount(6);

    await page.getByRole("button", { name: "Undo restore" }).click();
    await expect(page.getByRole("status")).toContainText("Restore undone");
    now = await userNow(page);
    expect(now.attributes.email).toBe("tia.new@example.test");
    expect(now.memberships).toEqual([]);
    expect(problems).toEqual([]);
  });
});
