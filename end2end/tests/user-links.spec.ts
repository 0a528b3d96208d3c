import { expect, test } from "@playwright/test";
import * as api from "./api";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

test("a user's groups, primary and secondary, link to the group's page", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const staff = await api.createGroup(page.request, "Ul Staff");
  const sales = await api.createGroup(page.request, "Ul Sales");
  const user = await api.createUser(page.request, "ulla.links", staff);
  await api.addMembership(page.request, user, sales);
  await gotoHydrated(page, `/users/${user}/groups`);
  const memberships = page.getByRole("table", { name: "Group memberships" });
  await expect(memberships.getByRole("link", { name: "Ul Staff" })).toHaveAttribute("href", `/groups?group=${staff}`);
  await memberships.getByRole("link", { name: "Ul Sales" }).click();
  await expect(page).toHaveURL(new RegExp(`/groups\\?group=${sales}$`));
  await expect(page.getByRole("heading", { name: /Ul Sales/ }).first()).toBeVisible();
  expect(problems).toEqual([]);
});
