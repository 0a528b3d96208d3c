import { BrowserContext, expect, Page, test } from "@playwright/test";
import { OWNER, signIn, watchConsole } from "./helpers";
import { everyRoute } from "./routes";

// Every route opened cold, from its URL, as a bookmark or a shared link does: a fresh page, the
// server-rendered HTML, then hydration. A page whose hydration fails looks right but is dead,
// so each load must hydrate without a console error and then follow a click.
//
// COLD_RUNS sets the loads per route (default 10); the server under test carries the seeded
// demo organisation (scripts/e2e.sh).
const RUNS = Number(process.env.COLD_RUNS ?? 10);

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
  test.setTimeout(120_000);
  await signIn(page, OWNER.username, OWNER.password);
  const all = await everyRoute(page);
  // Counted from the routes collected: up to two seconds a load (a debug build on a busy
  // machine takes about one).
  test.setTimeout(120_000 + all.length * RUNS * 2_000);
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
