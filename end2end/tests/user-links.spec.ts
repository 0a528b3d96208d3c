import { expect, test } from "@playwright/test";
import * as api from "./api";
import { SAME_SITE } from "./api";
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

test("the primary group is changed on the user's page", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const staff = await api.createGroup(page.request, "Pg Staff");
  const sales = await api.createGroup(page.request, "Pg Sales");
  const user = await api.createUser(page.request, "pia.primary", staff);
  await gotoHydrated(page, `/users/${user}`);
  // The picker shows the chosen group's path; typing searches, the keyboard chooses.
  const picker = page.getByRole("combobox", { name: "Primary group" });
  await expect(picker).toHaveValue("Pg Staff");
  await picker.fill("pg sal");
  await expect(page.getByRole("option", { name: "Pg Sales", exact: true })).toBeVisible();
  await expect(page.getByRole("option", { name: "Pg Staff", exact: true })).toHaveCount(0);
  await picker.press("ArrowDown");
  await picker.press("Enter");
  await expect(picker).toHaveValue("Pg Sales");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect
    .poll(async () => {
      const reply = await page.request.post("/api/get_user", { headers: SAME_SITE, data: { id: user, as_of: null } });
      return (await reply.json()).state.attributes.primary_group;
    })
    .toBe(sales);
  await page.getByRole("navigation", { name: "User sections" }).getByRole("link", { name: "Groups" }).click();
  const memberships = page.getByRole("table", { name: "Group memberships" });
  await expect(memberships.getByRole("row", { name: /Primary/ })).toContainText("Pg Sales");
  expect(problems).toEqual([]);
});
