import { test, expect } from "@playwright/test";
import { OWNER, gotoHydrated, watchConsole } from "./helpers";

// The release smoke test (`cargo xtask e2e --release-wasm --smoke`, run by scripts/test.sh):
// the size-optimised wasm bundle loads compressed and cached, hydrates, and works. It makes the
// Owner on the fresh database itself and opens only list pages.
test("the optimised bundle is served compressed, hydrates and runs", async ({ page }) => {
  const problems = watchConsole(page);
  const bundle = new Map<string, Record<string, string>>();
  page.on("response", (r) => {
    if (/\/pkg\/rewind\.[0-9a-f]{16}\.(js|wasm|css)$/.test(r.url())) bundle.set(r.url().split(".").pop()!, r.headers());
  });

  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
  for (const kind of ["js", "wasm", "css"]) {
    const headers = bundle.get(kind);
    expect(headers, `a content-hashed .${kind} was loaded`).toBeDefined();
    expect(headers!["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(headers!["content-encoding"]).toBe("br");
  }

  await page.getByLabel("Setup token").fill(process.env.REWIND_SETUP_TOKEN ?? "");
  await page.getByLabel("User name").fill(OWNER.username);
  await page.getByLabel("Display name").fill(OWNER.displayName);
  await page.getByLabel("Password", { exact: true }).fill(OWNER.password);
  await page.getByLabel("Repeat password").fill(OWNER.password);
  await page.getByRole("button", { name: "Create Owner and sign in" }).click();
  await expect(page.getByTestId("signed-in")).toContainText(OWNER.displayName);

  for (const path of ["/users", "/groups"]) {
    await gotoHydrated(page, path);
  }
  // The column dialog and its live preview run in the wasm.
  await gotoHydrated(page, "/users");
  const table = page.getByRole("table", { name: "Users" });
  await expect(table.getByRole("columnheader", { name: "Email" })).toBeVisible();
  await page.getByRole("button", { name: "View" }).click();
  const dialog = page.getByRole("dialog", { name: "Columns" });
  await dialog.getByRole("checkbox", { name: "Email" }).uncheck();
  await dialog.getByRole("button", { name: "Save view" }).click();
  await expect(dialog).toBeHidden();
  await expect(table.getByRole("columnheader", { name: "Email" })).toHaveCount(0);
  expect(problems).toEqual([]);
});
