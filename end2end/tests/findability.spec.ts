import { expect, test } from "@playwright/test";
import * as api from "./api";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

// Finding things: the search box in the header, breadcrumbs back to the list, page numbers and
// sizes kept in the URL.
test("the header's search finds users, groups and roles by part of a name", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const parent = await api.createGroup(page.request, "Fd Parent");
  await api.createGroup(page.request, "Fd Seekers", parent);
  const user = await api.createUser(page.request, "fiona.seeker", parent);
  await gotoHydrated(page, "/");
  const box = page.getByRole("searchbox", { name: "Search users, groups, roles and accounts" });
  await box.fill("SEEKER");
  await box.press("Enter");
  await expect(page).toHaveURL(/\/search\?q=SEEKER$/);
  const users = page.getByRole("region", { name: "Users" });
  await expect(users.getByRole("heading")).toHaveText("Users (1)");
  await expect(page.getByRole("region", { name: "Groups" }).getByRole("link", { name: "Fd Parent › Fd Seekers" }))
    .toHaveAttribute("href", /\/groups\?group=\d+$/);
  await users.getByRole("link", { name: "fiona.seeker" }).click();
  await expect(page).toHaveURL(new RegExp(`/users/${user}$`));
  // The breadcrumb leads back to the list.
  const crumbs = page.getByRole("navigation", { name: "Breadcrumb" });
  await expect(crumbs).toContainText("fiona.seeker");
  await crumbs.getByRole("link", { name: "Users" }).click();
  await expect(page).toHaveURL(/\/users$/);

  await gotoHydrated(page, "/search?q=no-such-name-anywhere");
  await expect(page.getByRole("status")).toContainText("Nothing is named like");
  expect(problems).toEqual([]);
});

test("lists page by number and keep the chosen page size in the URL", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/users?size=25");
  const hint = page.locator("main .hint", { hasText: /users · page/ });
  const [, total, pages] = (await hint.textContent())!.match(/(\d+) users · page 1 of (\d+)/)!.map(Number);
  expect(pages).toBe(Math.ceil(total / 25));
  expect(pages, "the demo organisation fills more than one page of 25").toBeGreaterThan(1);
  const pager = page.getByRole("navigation", { name: "Pages" });
  await expect(pager.locator("[aria-current=true]")).toHaveText("25");
  await expect(page.getByRole("table", { name: "Users" }).locator("tbody tr")).toHaveCount(25);
  await pager.getByRole("link", { name: "Page 2" }).click();
  await expect(page).toHaveURL(/page=2&size=25/);
  await expect(hint).toContainText(`page 2 of ${pages}`);
  await expect(pager.locator("[aria-current=page]")).toHaveText("2");
  // A new size starts again at the first page.
  await pager.getByRole("link", { name: "100 per page" }).click();
  await expect(page).toHaveURL(/page=1&size=100/);
  await expect(hint).toContainText(`page 1 of ${Math.ceil(total / 100)}`);
  await expect(page.getByRole("table", { name: "Users" }).locator("tbody tr")).toHaveCount(Math.min(total, 100));
  expect(problems).toEqual([]);
});

test("a group's page offers its audit trail", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const group = await api.createGroup(page.request, "Fd Audited");
  await gotoHydrated(page, `/groups?group=${group}`);
  await page.getByRole("link", { name: "Audit", exact: true }).click();
  await expect(page).toHaveURL(/\/audit\?.*target=Fd%20Audited/);
  await expect(page.getByRole("table", { name: "Audit log" })).toContainText("group.create");
  expect(problems).toEqual([]);
});

test("actions say in words what they did, and empty tabs say why they are empty", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const group = await api.createGroup(page.request, "Fd Words");
  const user = await api.createUser(page.request, "wanda.words", group);
  const role = await api.createRole(page.request, "Fd Words System", "Fd Words Reader");
  await api.grantToUser(page.request, role, user);
  await gotoHydrated(page, `/users/${user}/roles`);
  await page.getByRole("button", { name: "Revoke Fd Words Reader" }).click();
  await page.getByRole("dialog", { name: "Revoke Fd Words Reader" }).getByRole("button", { name: "Yes, revoke" }).click();
  const flash = page.getByTestId("flash");
  await expect(flash).toHaveText(/Revoked Fd Words Reader/);
  await expect(page.locator("main")).toContainText("No role is granted here.");
  await flash.getByRole("button", { name: "Dismiss" }).click();
  await expect(flash).toHaveText("");

  await gotoHydrated(page, `/users/${user}`);
  await page.getByLabel("First name").fill("Wanda");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(flash).toHaveText(/Saved user wanda\.words\./);

  await gotoHydrated(page, `/users/${user}/mail-lists`);
  await expect(page.locator("main")).toContainText("This user is not a direct member of any mail list.");
  expect(problems).toEqual([]);
});
