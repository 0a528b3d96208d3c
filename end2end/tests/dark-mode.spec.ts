import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { gotoHydrated, OWNER, signIn, watchConsole } from "./helpers";

// Dark mode follows the system setting and keeps every text readable (axe's colour-contrast
// and the other WCAG rules) on the busiest pages.
test.use({ colorScheme: "dark" });

test("in dark mode the console is dark and has no serious WCAG violation", async ({ page }) => {
  test.setTimeout(3 * 60_000);
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/users");
  const firstUser = await page.locator('main table a[href^="/users/"]').first().getAttribute("href");
  const found: Record<string, string[]> = {};
  for (const route of ["/", "/users", `${firstUser}`, `${firstUser}/history`, "/groups", "/backups", "/system-backup", "/roles"]) {
    await gotoHydrated(page, route);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]).analyze();
    const serious = result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
    if (serious.length) found[route] = serious;
    const dark = await page.evaluate(() => {
      const rgb = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g)!.map(Number);
      return rgb[0] + rgb[1] + rgb[2] < 3 * 60;
    });
    expect(dark, `${route} has a dark background (${background})`).toBe(true);
  }
  expect(found).toEqual({});
  expect(problems).toEqual([]);
});
