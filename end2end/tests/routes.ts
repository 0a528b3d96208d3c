import { expect, Page } from "@playwright/test";

// Every route of the console, with real ids taken from the seeded demo organisation
// (scripts/e2e.sh): lists, every detail page and tab, historical views, import pages, pages
// for missing objects and an unknown address.
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

export async function everyRoute(page: Page): Promise<string[]> {
  const user = await firstDetail(page, "/users", "/users/");
  const group = (await firstDetail(page, "/groups", "/groups?group=")).split("=")[1];
  const past = new Date(Date.now() - 200 * DAY).toISOString().slice(0, 16);
  // The declared resource kinds without a route of their own above: list, an object, import.
  const kinds: string[] = [];
  for (const kind of ["networks", "hosts", "printers", "detected-browsers", "applications",
    "custom-object-types", "custom-objects", "role-rules", "sod-rules", "vault-folders",
    "vault-accounts"]) {
    kinds.push(`/${kind}`, await firstDetail(page, `/${kind}`, `/${kind}/`), `/${kind}/import`);
  }
  return [
    "/",
    "/users",
    `/users?filter=${encodeURIComponent('userName sw "a"')}`,
    `/users?filter=${encodeURIComponent("userName eq")}`,
    "/users?size=25&page=2",
    "/users/import",
    user,
    ...["groups", "accounts", "roles", "mail-lists", "effective-roles", "history", "backups"].map((t) => `${user}/${t}`),
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
    ...kinds,
    "/applications/tree",
    `/applications/tree?as_of=${past}`,
    "/sod-rules/report",
    "/vault-folders/tree",
    `/vault-folders/tree?as_of=${past}`,
    "/backups",
    "/recycle-bin",
    "/audit",
    `/audit?target=a&action=user&from=${past}`,
    "/system-backup",
    "/inbox",
    "/operators",
    "/profile",
    "/api-tokens",
    "/api-reference",
    "/search",
    "/search?q=a",
    "/users/999999",
    "/roles/999999",
    "/no-such-page",
  ];
}

