import { expect, Locator, Page } from "@playwright/test";

export const OWNER = { username: "olivia", displayName: "Olivia Owner", password: "owner password 1" };

/// Fails the test on browser errors, failed requests and hydration warnings.
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    // Refused requests (422/403 from a deliberately wrong input) are expected and shown in the page.
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
    if (m.type() === "error" || /hydrat/i.test(m.text())) problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  return problems;
}

/// SSR HTML is clickable before the wasm attaches; wait for the hydration marker.
export async function gotoHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

export async function signIn(page: Page, username: string, password: string) {
  await gotoHydrated(page, "/login");
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in")).toBeVisible();
}

export async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/// Chooses a group in a type-ahead group picker: types the group's own name, then picks the
/// option showing its whole `path` ("Staff › Sales").
export async function chooseGroup(scope: Page | Locator, label: string, path: string) {
  const box = scope.getByRole("combobox", { name: label, exact: true });
  await box.fill(path.split(" › ").pop()!);
  await scope.getByRole("option", { name: path, exact: true }).click();
  await expect(box).toHaveValue(path);
}

/// Creates the Owner when the database is new (this spec may run on its own).
export async function ensureOwner(page: Page) {
  await page.goto("/");
  if (!/\/setup$/.test(page.url())) return;
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Setup token").fill(process.env.REWIND_SETUP_TOKEN ?? "");
  await page.getByLabel("User name").fill(OWNER.username);
  await page.getByLabel("Display name").fill(OWNER.displayName);
  await page.getByLabel("Password", { exact: true }).fill(OWNER.password);
  await page.getByLabel("Repeat password").fill(OWNER.password);
  await page.getByRole("button", { name: "Create Owner and sign in" }).click();
  await expect(page.getByTestId("signed-in")).toContainText(OWNER.displayName);
}
