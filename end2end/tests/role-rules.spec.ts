import { test, expect } from "@playwright/test";
import * as api from "./api";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// A role assignment rule: its condition is checked like the users list's advanced query,
// "Preview changes" lists the grant it would make, "Apply now" makes it with a progress
// report, and the user's page shows the grant as managed by the rule, without Revoke.
const tag = Date.now().toString(36);
const RULE = `Badge holders ${tag}`;
const ROLE = `Badge ${tag}`;
const SYSTEM = `RR-${tag}`;

test.describe.serial("role assignment rules", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("a rule previews its grant, applies it, and the user's page names the rule", async ({ page }) => {
    const problems = watchConsole(page);
    const group = await api.createGroup(page.request, `rr-${tag}`);
    await api.createRole(page.request, SYSTEM, ROLE);
    const chosen = await api.createUser(page.request, `rr1-${tag}`, group);
    await api.createUser(page.request, `rr2-${tag}`, group);

    await gotoHydrated(page, "/role-rules");
    await page.getByText("New role assignment rule", { exact: true }).click();
    await page.getByLabel("Rule name").fill(RULE);
    await page.getByLabel(/^Condition over users/).fill("shoeSize eq 4");
    await page.getByLabel(/^Roles to grant/).fill(`${ROLE}@${SYSTEM}`);
    await page.getByRole("button", { name: "Create role assignment rule" }).click();
    await expect(page.getByRole("alert")).toContainText("shoeSize");

    await page.getByLabel(/^Condition over users/).fill(`userName eq "rr1-${tag}"`);
    await page.getByRole("button", { name: "Create role assignment rule" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Role assignment rule ${RULE}` })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");

    await page.getByRole("button", { name: "Preview changes" }).click();
    const panel = page.getByRole("region", { name: "Apply the rule" });
    await expect(panel.getByText("The condition selects 1 users now. Applying the rule would make 1 grants and revoke 0.")).toBeVisible();
    const changes = panel.getByRole("table", { name: "Changes" });
    await expect(changes.locator("tbody tr")).toHaveCount(1);
    await expect(changes.locator("tbody tr")).toContainText(`rr1-${tag}`);
    await expect(changes.locator("tbody tr")).toContainText(`${ROLE}@${SYSTEM}`);

    await panel.getByRole("button", { name: "Apply now" }).click();
    const progress = panel.getByRole("status", { name: "Apply now progress" });
    await expect(progress).toContainText("Applied.");
    await expect(progress).toContainText("1 granted, 0 revoked");

    // An edited rule restored to its first version is not applied by the restore: the page
    // previews what applying it would change.
    const rulePage = page.url();
    await page.getByLabel(/^Condition over users/).fill(`userName eq "rr1-${tag}" or userName eq "rr2-${tag}"`);
    await page.getByRole("button", { name: "Apply", exact: true }).click();
    await expect(page.getByTestId("flash")).toContainText(`Saved role assignment rule ${RULE}.`);
    await page.getByRole("button", { name: "History" }).click();
    const dialog = page.getByRole("dialog", { name: `History of role assignment rule ${RULE}` });
    await dialog.getByRole("button", { name: /^Restore the version of/ }).last().click();
    await page.keyboard.press("Escape");
    await expect(page.getByLabel(/^Condition over users/)).toHaveValue(`userName eq "rr1-${tag}"`);
    await expect(page.getByRole("region", { name: "Apply the rule" }).getByText(
      "The condition selects 1 users now. Applying the rule would make 0 grants and revoke 0.")).toBeVisible();
    expect(page.url()).toBe(rulePage);

    await gotoHydrated(page, `/users/${chosen}/roles`);
    const granted = page.getByRole("table", { name: "Granted roles" });
    const row = granted.locator("tbody tr", { hasText: ROLE });
    await expect(row).toContainText(`Managed by rule ${RULE}`);
    await expect(row.getByRole("button", { name: /Revoke/ })).toHaveCount(0);
    expect(problems).toEqual([]);
  });
});
