import { test, expect } from "@playwright/test";
import { OWNER, gotoHydrated, signIn, signOut, watchConsole } from "./helpers";

// One fresh database per run: these steps build on each other.
test.describe.serial("first run, sign-in and operators", () => {
  test("first run asks for the setup token and creates the Owner", async ({ page }) => {
    const problems = watchConsole(page);
    await page.goto("/");
    await expect(page).toHaveURL(/\/setup$/);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(page.getByRole("heading", { name: "Create the Owner account" })).toBeVisible();

    await page.getByLabel("Setup token").fill("not-the-token");
    await page.getByLabel("User name").fill(OWNER.username);
    await page.getByLabel("Display name").fill(OWNER.displayName);
    await page.getByLabel("Password", { exact: true }).fill(OWNER.password);
    await page.getByLabel("Repeat password").fill(OWNER.password);
    await page.getByRole("button", { name: "Create Owner and sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("setup token is not valid");

    await page.getByLabel("Setup token").fill(process.env.REWIND_SETUP_TOKEN ?? "");
    await page.getByRole("button", { name: "Create Owner and sign in" }).click();
    await expect(page.getByTestId("signed-in")).toContainText(OWNER.displayName);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("navigation reaches every area and unknown pages say so", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const area of ["Users", "Groups", "Accounts", "Roles", "Mail lists", "Backups", "System backup", "Operators"]) {
      await nav.getByRole("link", { name: area, exact: true }).click();
      await expect(page.getByRole("heading", { level: 1, name: area })).toBeVisible();
    }
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("the Owner adds an Auditor, who cannot manage operators", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operators" }).click();
    const form = page.locator("section.panel");
    await form.getByLabel("User name").fill("audrey");
    await form.getByLabel("Display name").fill("Audrey Auditor");
    await form.getByLabel("Role").selectOption("auditor");
    await form.getByLabel("Initial password").fill("auditor password");
    await form.getByRole("button", { name: "Add operator" }).click();
    const row = page.getByRole("table", { name: "Operators" }).locator("tr", { hasText: "audrey" });
    await expect(row).toContainText("Audrey Auditor");
    await expect(row.getByLabel("Role of audrey", { exact: true })).toHaveValue("auditor");
    await signOut(page);

    await signIn(page, "audrey", "auditor password");
    await expect(page.getByTestId("signed-in")).toContainText("Auditor");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operators" })).toHaveCount(0);
    // Pages whose every control needs a permission the Auditor lacks say so instead of
    // offering forms that can only fail.
    for (const [path, what] of [
      ["/operators", "manage operators"],
      ["/system-backup", "make, import or restore system backups"],
      ["/users/import", "import or change identity data"],
      ["/groups/import", "import or change identity data"],
    ]) {
      await gotoHydrated(page, path);
      await expect(page.getByTestId("not-permitted")).toContainText(`Your role (Auditor) may not ${what}`);
      await expect(page.locator("main input, main select, main button")).toHaveCount(0);
    }
    await gotoHydrated(page, "/users");
    await expect(page.getByRole("link", { name: "Import CSV of users" })).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test("a wrong password is refused and sign-out ends the session", async ({ page }) => {
    await gotoHydrated(page, "/login");
    await page.getByLabel("User name").fill(OWNER.username);
    await page.getByLabel("Password").fill("definitely wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("Wrong user name or password");

    await signIn(page, OWNER.username, OWNER.password);
    await signOut(page);
    await page.goto("/operators");
    await expect(page).toHaveURL(/\/login$/);
  });
});
