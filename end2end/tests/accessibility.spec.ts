import AxeBuilder from "@axe-core/playwright";
import { expect, Page, test } from "@playwright/test";
import { gotoHydrated, OWNER, signIn, watchConsole } from "./helpers";
import { everyRoute } from "./routes";

// WCAG 2.2 AA, checked by axe-core on every route of the console, signed in and signed out.
// Any serious or critical violation fails the run; the message lists rule, impact and nodes.
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"];

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ")}`)
          .join("\n"),
    );
}

test("no page has a serious or critical WCAG 2.2 AA violation", async ({ page }) => {
  test.setTimeout(10 * 60_000);
  const problems = watchConsole(page);
  await gotoHydrated(page, "/login");
  const found: Record<string, string[]> = {};
  const signedOut = await violations(page);
  if (signedOut.length) found["/login"] = signedOut;
  await signIn(page, OWNER.username, OWNER.password);
  for (const route of await everyRoute(page)) {
    await gotoHydrated(page, route);
    const list = await violations(page);
    if ((await page.locator("main").count()) !== 1) list.push("the page needs exactly one <main>");
    if (list.length) found[route] = list;
  }
  expect(found).toEqual({});
  expect(problems).toEqual([]);
});

test("a skip link moves the keyboard past the navigation to the page's content", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/users");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  // The next Tab lands inside the main content, not on the sidebar's links.
  await page.keyboard.press("Tab");
  const inMain = await page.evaluate(() => !!document.activeElement?.closest("main"));
  expect(inMain).toBe(true);
  expect(problems).toEqual([]);
});

test("an unknown address has a title, a heading and a way back", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/no-such-page");
  await expect(page).toHaveTitle(/Page not found/);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();
  await page.getByRole("link", { name: "Back to the console" }).click();
  await expect(page).toHaveURL(/\/$/);
  expect(problems).toEqual([]);
});

test("arrow keys move through the group tree, open and close groups", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/groups");
  const tree = page.getByRole("tree", { name: "Group tree" });
  const links = tree.locator("li[role=treeitem] > a");
  const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim());
  // The first group with children, open at first.
  const parentName = (await tree.locator("li[role=treeitem][aria-expanded=true] > a").first().textContent())!.trim();
  const parent = tree.locator(`xpath=.//li[a[normalize-space()="${parentName}"]]`);
  const parentLink = parent.locator(":scope > a");
  await parentLink.focus();
  await page.keyboard.press("ArrowDown");
  const firstChild = (await parent.locator(":scope > ul > li > a").first().textContent())!.trim();
  expect(await focusedText()).toBe(firstChild);
  await page.keyboard.press("ArrowLeft");
  expect(await focusedText()).toBe(parentName);
  await page.keyboard.press("ArrowLeft");
  await expect(parent).toHaveAttribute("aria-expanded", "false");
  await page.keyboard.press("ArrowRight");
  await expect(parent).toHaveAttribute("aria-expanded", "true");
  await page.keyboard.press("End");
  expect(await focusedText()).toBe((await links.last().textContent())!.trim());
  await page.keyboard.press("Home");
  expect(await focusedText()).toBe((await links.first().textContent())!.trim());
  await page.keyboard.press("ArrowUp");
  expect(await focusedText(), "Up on the first group stays there").toBe((await links.first().textContent())!.trim());
  expect(problems).toEqual([]);
});

test("closing a dialog gives the focus back to the button that opened it", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/users");
  const opener = page.getByRole("button", { name: "View", exact: true });
  await opener.click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  await opener.click();
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(opener).toBeFocused();
  expect(problems).toEqual([]);
});

test("sortable column headers say which way the list is sorted", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/users");
  const table = page.getByRole("table", { name: "Users" });
  const byName = table.getByRole("columnheader", { name: "User name" });
  const byModified = table.getByRole("columnheader", { name: "Modified" });
  await expect(byName).toHaveAttribute("aria-sort", "ascending");
  await byName.getByRole("link").click();
  await expect(byName).toHaveAttribute("aria-sort", "descending");
  await byModified.getByRole("link").click();
  await expect(byModified).toHaveAttribute("aria-sort", "ascending");
  await expect(byName).toHaveAttribute("aria-sort", "none");
  expect(problems).toEqual([]);
});
