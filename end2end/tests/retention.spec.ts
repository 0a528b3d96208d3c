import { test, expect, Page } from "@playwright/test";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

function panel(page: Page) {
  return page.getByRole("region", { name: "History retention" });
}

async function openPanel(page: Page) {
  await gotoHydrated(page, "/system-backup");
  await expect(panel(page).getByRole("status").first()).toContainText("History is kept");
}

// The demo history is a year long: two years prunes nothing, and the spec puts "Forever" back.
test("the Owner shortens history retention only after confirming, and lengthens it without", async ({ page }) => {
  const problems = watchConsole(page);
  await ensureOwner(page);
  await signIn(page, OWNER.username, OWNER.password);
  await openPanel(page);
  const section = panel(page);
  await expect(section.getByRole("status").first()).toContainText("History is kept forever: nothing is pruned.");

  await section.getByLabel("For a period").check();
  await section.getByLabel("Period", { exact: true }).fill("2");
  await section.getByLabel("Unit").selectOption("years");
  const warning = section.getByRole("alert").filter({ hasText: "cannot be undone" });
  await expect(warning).toContainText("Keeping history for 2 years deletes");
  const cutoff = new Date();
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - 2);
  await expect(warning).toContainText(`ended before ${cutoff.toISOString().slice(0, 7)}`);

  // Without the confirmation the button says it cannot be used; submitting anyway (Enter
  // in the field) saves nothing, and the checkbox says why.
  await expect(section.getByRole("button", { name: "Save retention" })).toHaveAttribute("aria-disabled", "true");
  await section.getByLabel("Period", { exact: true }).press("Enter");
  await expect(section.getByText("Confirm that this history is deleted for good.")).toBeVisible();
  await gotoHydrated(page, "/system-backup");
  await expect(panel(page).getByRole("status").first()).toContainText("History is kept forever");

  await panel(page).getByLabel("For a period").check();
  await panel(page).getByLabel("Period", { exact: true }).fill("2");
  await panel(page).getByLabel("I understand that this history is deleted for good").check();
  await panel(page).getByRole("button", { name: "Save retention" }).click();
  await expect(panel(page).getByText("Saved.")).toBeVisible();
  await expect(panel(page).getByRole("status").first()).toContainText("History is kept for 2 years.");
  await expect(panel(page).getByRole("status").first()).toContainText(`Set by ${OWNER.username}`);

  // Kept across a reload: the server has it, not just the page.
  await openPanel(page);
  await expect(panel(page).getByRole("status").first()).toContainText("History is kept for 2 years.");
  await expect(panel(page).getByLabel("Period", { exact: true })).toHaveValue("2");

  // Longer again: no confirmation asked.
  await panel(page).getByLabel("Forever").check();
  await expect(panel(page).getByRole("alert").filter({ hasText: "cannot be undone" })).toHaveCount(0);
  await panel(page).getByRole("button", { name: "Save retention" }).click();
  await expect(panel(page).getByText("Saved.")).toBeVisible();
  await expect(panel(page).getByRole("status").first()).toContainText("History is kept forever");
  expect(problems).toEqual([]);
});
