import { BrowserContext, expect, Page, test } from "@playwright/test";
import { OWNER, signIn, watchConsole } from "./helpers";

// Every route opened cold, from its URL, as a bookmark or a shared link does: a fresh page, the
// server-rendered HTML, then hydration. A page whose hydration fails looks right but is dead,
// so each load must hydrate without a console error and then follow a click.
//
// COLD_RUNS sets the loads per route (default 10); the server under test carries the seeded
// demo organisation (scripts/e2e.sh).
const RUNS = Number(process.env.COLD_RUNS ?? 10);
const DAY = 86_400_000;

/// The first link in the main content whose path is `prefix` followed by a number.
async function firstDetail(page: Page, list: string, prefix: string): Promise<string> {
  await page.goto(list);
  const link = page.locator(`main a[href^="${prefix}"]`).filter({ hasText: /\S/ });
  await expect(link.first()).toBeVisible();
  const hrefs = await link.evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
  const pattern = new RegExp(`^${prefix.replace(/[?.]/g, "\\$&")}\\d+$`);
  const href = hrefs.find((h) => pattern.test(h));
  expect(href, `a ${prefix}N link on ${list}`).toBeTruthy();
  return href!;
}

async function routes(page: Page): Promise<string[]> {
  const user = await firstDetail(page, "/users", "/users/");
  const group = (await firstDetail(page, "/groups", "/groups?group=")).split("=")[1];
  const past = new Date(Date.now() - 200 * DAY).toISOString().slice(0, 16);
  return [
    "/",
    "/users",
    `/users?filter=${encodeURIComponent('userName sw "a"')}`,
    `/users?filter=${encodeURIComponent("userName eq")}`,
    "/users/import",
    user,
    ...["groups", "accounts", "roles", "mail-lists", "effective-roles", "backups"].map((t) => `${user}/${t}`),
    `${user}?as_of=${past}`,
    "/groups",
    `/groups?group=${group}`,
    `/groups?group=${group}&tab=users`,
    `/groups?group=${group}&tab=roles`,
    `/groups?as_of=${past}`,
    "/groups/import",
    "/accounts",
    await firstDetail(page, "/accounts", "/accounts/"),
    "/roles",
    await firstDetail(page, "/roles", "/roles/"),
    "/systems",
    await firstDetail(page, "/systems", "/systems/"),
    "/mail-lists",
    await firstDetail(page, "/mail-lists", "/mail-lists/"),
    "/mail-lists/import",
    "/mail-domains",
    await firstDetail(page, "/mail-domains", "/mail-domains/"),
    "/mail-domains/import",
    "/backups",
    "/recycle-bin",
    "/system-backup",
    "/inbox",
    "/operators",
    "/users/999999",
    "/roles/999999",
    "/no-such-page",
  ];
}

/// One cold load: hydrated, no console problem, and a click the app handles.
async function openCold(context: BrowserContext, route: string) {
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(route);
  await expect(page.locator("html"), `${route} hydrates`).toHaveAttribute("data-hydrated", "true");
  const sidebar = page.getByRole("navigation", { name: "Main" });
  if (await sidebar.count()) {
    // A client-side navigation: only a hydrated router handles it without loading a document.
    const target = route.startsWith("/backups") ? "Users" : "Backups";
    await page.evaluate(() => ((window as unknown as { coldMarker: boolean }).coldMarker = true));
    await sidebar.getByRole("link", { name: target, exact: true }).click();
    await expect(page).toHaveURL(target === "Users" ? /\/users$/ : /\/backups$/);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    const same = await page.evaluate(() => (window as unknown as { coldMarker?: boolean }).coldMarker === true);
    expect(same, `${route}: the click was handled in the page, not by loading another`).toBe(true);
  } else {
    await page.getByRole("link", { name: "Back to the console" }).click();
    await expect(page).toHaveURL(/\/$/);
  }
  expect(problems, `console problems on ${route}`).toEqual([]);
  await page.close();
}

test("every route opened cold by URL hydrates and responds", async ({ page, context }) => {
  test.setTimeout(RUNS * 60_000);
  await signIn(page, OWNER.username, OWNER.password);
  const all = await routes(page);
  for (const route of all) {
    for (let run = 0; run < RUNS; run++) {
      await openCold(context, route);
    }
  }
});

test("until the page has hydrated its controls take no clicks and look busy", async ({ page }) => {
  await signIn(page, OWNER.username, OWNER.password);
  const busy = (p: Page) =>
    p.getByRole("button", { name: "Sign out" }).evaluate((b) => getComputedStyle(b).pointerEvents);
  // Without the wasm the page stays server-rendered: a click there would be lost.
  const context = page.context();
  const frozen = await context.newPage();
  await frozen.route("**/*.wasm", (route) => route.abort());
  await frozen.goto("/users");
  await expect(frozen.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();
  expect(await busy(frozen)).toBe("none");
  await frozen.close();
  // Hydrated, the same control takes clicks.
  await page.goto("/users");
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  expect(await busy(page)).toBe("auto");
});
