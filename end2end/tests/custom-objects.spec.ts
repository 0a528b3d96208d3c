import { test, expect } from "@playwright/test";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// An administrator defines a custom object type with typed attributes, then creates an
// object of it: a value of the wrong kind is refused by name, a good one is kept in the
// type's form, and the type lists its objects.
const tag = Date.now().toString(36);

test.describe.serial("custom objects", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("a type with typed attributes, and an object whose values must fit it", async ({ page }) => {
    const problems = watchConsole(page);
    const type = `Licence ${tag}`;
    const object = `Suite ${tag}`;
    await gotoHydrated(page, "/custom-object-types");
    await page.getByText("New custom object type", { exact: true }).click();
    await page.getByLabel("Type name").fill(type);
    await page.getByRole("textbox", { name: /^Attributes \(one/ }).fill("vendor: text required\nseats: NUMBER required");
    await page.getByRole("button", { name: "Create custom object type" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Custom object type ${type}` })).toBeVisible();
    await expect(page.getByRole("textbox", { name: /^Attributes \(one/ })).toHaveValue("vendor: text required\nseats: number required");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Custom objects" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Custom objects" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await page.getByText("New custom object", { exact: true }).click();
    await page.getByLabel("Object name").fill(object);
    await page.getByLabel("Type", { exact: true }).fill(type);
    await page.getByLabel(/^Attribute values/).fill("vendor=Contoso\nseats=lots");
    await page.getByRole("button", { name: "Create custom object" }).click();
    await expect(page.getByRole("alert")).toContainText('"lots" is not a number');

    await page.getByLabel(/^Attribute values/).fill("seats=25\nvendor=Contoso");
    await page.getByRole("button", { name: "Create custom object" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Custom object ${object}` })).toBeVisible();
    await expect(page.getByLabel(/^Attribute values/)).toHaveValue("vendor=Contoso\nseats=25");

    await gotoHydrated(page, `/custom-object-types?q=${encodeURIComponent(type)}`);
    await page.getByRole("table", { name: "Custom object types" }).getByRole("link", { name: type }).click();
    await expect(page.getByRole("table", { name: "Objects of this type" }).getByRole("link", { name: object })).toBeVisible();

    // The type's objects open as the objects list narrowed to it, which a bookmark keeps.
    await page.getByRole("link", { name: "Open them in the custom objects list" }).click();
    await expect(page).toHaveURL(/\/custom-objects\?in=\d+/);
    const list = page.getByRole("table", { name: "Custom objects" });
    await expect(list.getByRole("link", { name: object })).toBeVisible();
    await expect(list.locator("tbody tr")).toHaveCount(1);
    await gotoHydrated(page, page.url());
    await expect(page.getByLabel("Only of type")).toHaveValue(/\d+/);
    await expect(page.getByLabel("Only of type").locator("option:checked")).toHaveText(type);
    await expect(list.locator("tbody tr")).toHaveCount(1);
    await page.getByLabel("Only of type").selectOption({ label: "All custom object types" });
    await page.getByRole("button", { name: "Show" }).click();
    await expect(page).not.toHaveURL(/in=\d/);
    await expect.poll(async () => list.locator("tbody tr").count()).toBeGreaterThan(1);
    expect(problems).toEqual([]);
  });
});
