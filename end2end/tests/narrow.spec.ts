import { expect, test } from "@playwright/test";
import { OWNER, signIn, watchConsole } from "./helpers";
import { everyRoute } from "./routes";

// A phone held upright: 390 CSS pixels wide.
const PHONE = { width: 390, height: 844 };

test("every route fits a phone's width and every button on it can be tapped", async ({ page }) => {
  test.setTimeout(10 * 60_000);
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  const all = await everyRoute(page);
  await page.setViewportSize(PHONE);
  for (const route of all) {
    await page.goto(route);
    await expect(page.locator("html"), `${route} hydrates`).toHaveAttribute("data-hydrated", "true");
    await expect(page.locator("main, .auth-card").first()).toBeVisible();
    const width = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      screen: window.innerWidth,
    }));
    expect(width.page, `${route} is no wider than the screen`).toBeLessThanOrEqual(width.screen);
    // Brought into view, the topmost element at each button's centre is the button itself.
    const covered = await page.evaluate(() => {
      const out: string[] = [];
      for (const button of Array.from(document.querySelectorAll("main button, main a.button"))) {
        // Hidden ones (a closed <details>, a collapsed menu) are not offered.
        if (!button.checkVisibility() || button.getBoundingClientRect().width === 0) continue;
        button.scrollIntoView({ block: "center", inline: "center" });
        const r = button.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (!hit || !(hit === button || button.contains(hit))) {
          out.push(`${button.textContent?.trim()} is under ${hit ? hit.outerHTML.slice(0, 80) : "nothing"}`);
        }
      }
      return out;
    });
    expect(covered, `${route}: buttons that cannot be tapped`).toEqual([]);
  }
  expect(problems).toEqual([]);
});

test("on a phone the navigation is a menu that opens and closes", async ({ page }) => {
  const problems = watchConsole(page);
  await page.setViewportSize(PHONE);
  await signIn(page, OWNER.username, OWNER.password);
  await page.goto("/users");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  const nav = page.getByRole("navigation", { name: "Main" });
  const menu = nav.getByRole("button", { name: "Menu" });
  await expect(nav.getByRole("link", { name: "Groups", exact: true })).toBeHidden();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await nav.getByRole("link", { name: "Groups", exact: true }).click();
  await expect(page).toHaveURL(/\/groups$/);
  // A new page closes the menu again.
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(nav.getByRole("link", { name: "Users", exact: true })).toBeHidden();
  expect(problems).toEqual([]);
});
