import { expect, test } from "@playwright/test";
import { SAME_SITE } from "./api";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

// The backup schedule is entered in the operator's zone and kept in UTC: 21:30 on a Monday in
// New York (UTC-5 in winter, UTC-4 in summer) is early Tuesday in UTC.
test.use({ timezoneId: "America/New_York" });

test("the backup schedule is shown and read in the operator's time zone", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, OWNER.username, OWNER.password);
  await gotoHydrated(page, "/system-backup");
  const form = page.getByRole("form", { name: "Backup schedule" });
  const time = form.getByLabel(/^Time \((EST|EDT|GMT-[45])\)$/);
  await expect(time).toBeVisible();
  await form.getByLabel("Take automatic backups").check();
  await form.getByLabel("Frequency").selectOption("weekly");
  await form.getByLabel("Day of the week").selectOption("Monday");
  await time.fill("21:30");
  await form.getByRole("button", { name: "Save schedule" }).click();
  await expect(form.getByText("Saved.")).toBeVisible();
  const reply = await page.request.post("/api/get_backup_schedule", { headers: SAME_SITE });
  const stored = await reply.json();
  // Tuesday in UTC, 01:30 or 02:30 depending on daylight saving today.
  expect(stored.weekday).toBe(1);
  expect(["01:30", "02:30"]).toContain(stored.time);

  // Opened again, the form shows the operator's time, not UTC.
  await gotoHydrated(page, "/system-backup");
  await expect(form.getByLabel(/^Time \(/)).toHaveValue("21:30");
  await expect(form.getByLabel("Day of the week")).toHaveValue("0");
  // Leave automatic backups off for the other specs.
  await form.getByLabel("Take automatic backups").uncheck();
  await form.getByRole("button", { name: "Save schedule" }).click();
  await expect
    .poll(async () => (await (await page.request.post("/api/get_backup_schedule", { headers: SAME_SITE })).json()).enabled)
    .toBe(false);
  expect(problems).toEqual([]);
});
