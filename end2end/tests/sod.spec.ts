import { test, expect } from "@playwright/test";
import * as api from "./api";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// Segregation of duties: a forbidden pair is announced in the grant form and refused when
// granted; at low risk it is granted, shown on the user's roles tab and in the report.
const tag = Date.now().toString(36);
const SYSTEM = `SoD-${tag}`;
const BUY = `Buy ${tag}`;
const PAY = `Pay ${tag}`;
const RULE = `Buy or pay ${tag}`;

test.describe.serial("segregation of duties", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("a forbidden pair is refused naming the rule; a low one is a warning and in the report", async ({ page }) => {
    const problems = watchConsole(page);
    const system = await api.createSystem(page.request, SYSTEM);
    const buy = await api.createRoleOn(page.request, system, BUY);
    const pay = await api.createRoleOn(page.request, system, PAY);
    const group = await api.createGroup(page.request, `sod-${tag}`);
    const user = await api.createUser(page.request, `sod.${tag}`, group);
    await api.grantToUser(page.request, buy, user);

    await gotoHydrated(page, "/sod-rules");
    await page.getByText("New segregation of duties rule", { exact: true }).click();
    await page.getByLabel("Rule name").fill(RULE);
    await page.getByLabel(/^Type/).selectOption("all");
    await page.getByLabel(/^Risk \(for/).selectOption("forbidden");
    await page.getByLabel(/^Roles/).fill(`${BUY}@${SYSTEM}\n${PAY}@${SYSTEM}`);
    await page.getByRole("button", { name: "Create segregation of duties rule" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Segregation of duties rule ${RULE}` })).toBeVisible();
    const rulePage = page.url();

    await gotoHydrated(page, `/users/${user}/roles`);
    await page.getByRole("combobox", { name: "Role", exact: true }).selectOption({ label: `${PAY} (${SYSTEM})` });
    const warning = page.getByRole("alert", { name: "Segregation of duties" });
    await expect(warning).toContainText(`forbidden risk (rule “${RULE}”)`);
    await page.getByRole("button", { name: "Grant role" }).click();
    await expect(page.getByText(`Refused by the segregation of duties rule “${RULE}”`)).toBeVisible();
    const granted = page.getByRole("table", { name: "Granted roles" });
    await expect(granted.locator("tbody tr")).toHaveCount(1);

    // Lowered to a low risk, the grant goes through and the user's tab warns of it.
    await gotoHydrated(page, rulePage);
    await page.getByLabel(/^Risk \(for/).selectOption("low");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Saved segregation of duties rule ${RULE}.`);
    await gotoHydrated(page, `/users/${user}/roles`);
    await page.getByRole("combobox", { name: "Role", exact: true }).selectOption({ label: `${PAY} (${SYSTEM})` });
    await expect(page.getByRole("status", { name: "Segregation of duties" }).last()).toContainText("low risk");
    await page.getByRole("button", { name: "Grant role" }).click();
    await expect(granted.locator("tbody tr")).toHaveCount(2);
    await expect(page.getByText(`low risk (rule “${RULE}”): ${BUY}@${SYSTEM}, ${PAY}@${SYSTEM}`).first()).toBeVisible();

    await gotoHydrated(page, "/sod-rules");
    await page.getByRole("link", { name: "Current violations (report)" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Segregation of duties report" })).toBeVisible();
    const row = page.getByRole("table", { name: "Current violations" }).locator("tbody tr", { hasText: `sod.${tag}` });
    await expect(row).toContainText(RULE);
    await expect(row).toContainText("low");

    // The role's page names who holds it with the other.
    await gotoHydrated(page, `/roles/${pay}`);
    await expect(page.getByRole("status", { name: "Segregation of duties" })).toContainText(`sod.${tag}: ${BUY}@${SYSTEM}, ${PAY}@${SYSTEM}`);
    expect(problems).toEqual([]);
  });
});
