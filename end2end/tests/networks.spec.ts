import { test, expect } from "@playwright/test";
import * as api from "./api";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// The network kinds: a network, a host refused outside its range and created inside it, the
// network's page listing it, its history with a restore, and detected browsers read-only.
const tag = Date.now().toString(36);
// A /24 per run, out of the demo data's ranges (10.10/16, 10.20.0/24, 192.168.50/24).
const octet = (Date.now() >> 10) % 250;
const NET = `net-${tag}`;
const HOST = `host-${tag}`;

test.describe.serial("network resources", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("a host must lie in its network's range, and its page names the network", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, "/networks");
    await page.getByText("New network", { exact: true }).click();
    await page.getByLabel("Network name").fill(NET);
    await page.getByLabel("IP address").fill(`172.31.${octet}.0`);
    await page.getByLabel("Address mask").fill("24");
    await page.getByRole("button", { name: "Create network" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Network ${NET}` })).toBeVisible();
    // The mask is kept dotted.
    await expect(page.getByLabel("Address mask")).toHaveValue("255.255.255.0");

    await gotoHydrated(page, "/hosts");
    await page.getByText("New host", { exact: true }).click();
    await page.getByLabel("Host name").fill(HOST);
    await page.getByLabel("IP address").fill(`172.31.${(octet + 1) % 256}.7`);
    await page.getByLabel("Network", { exact: true }).fill(NET);
    await page.getByRole("button", { name: "Create host" }).click();
    await expect(page.getByRole("alert")).toContainText(`172.31.${octet}.0/24`);

    await page.getByLabel("IP address").fill(`172.31.${octet}.7`);
    await page.getByLabel("MAC address").fill("00-AA-BB-CC-DD-EE");
    await page.getByRole("button", { name: "Create host" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Host ${HOST}` })).toBeVisible();
    await expect(page.getByLabel("Network", { exact: true })).toHaveValue(NET);
    await expect(page.getByLabel("MAC address")).toHaveValue("00:aa:bb:cc:dd:ee");

    // A new address, then the old one back from the history.
    await page.getByLabel("IP address").fill(`172.31.${octet}.8`);
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Saved host ${HOST}.`);
    await page.getByRole("button", { name: "History" }).click();
    const dialog = page.getByRole("dialog", { name: `History of host ${HOST}` });
    const versions = dialog.getByRole("table", { name: "Versions" });
    await expect(versions.locator("tbody tr")).toHaveCount(2);
    await dialog.getByRole("button", { name: /^Restore the version of/ }).click();
    await expect(versions.locator("tbody tr")).toHaveCount(3);
    await page.keyboard.press("Escape");
    await expect(page.getByLabel("IP address")).toHaveValue(`172.31.${octet}.7`);

    // The network lists its host and refuses to be deleted while it has one.
    await gotoHydrated(page, `/networks?q=${encodeURIComponent(NET)}`);
    await page.getByRole("table", { name: "Networks" }).getByRole("link", { name: NET }).click();
    const hosts = page.getByRole("table", { name: "Hosts in this network" });
    await expect(hosts.getByRole("link", { name: HOST })).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("detected browsers are listed and read, not typed in", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, "/detected-browsers?q=pc-0042");
    const table = page.getByRole("table", { name: "Detected browsers" });
    await expect(table.getByRole("row")).toHaveCount(3);
    await expect(page.getByText("New detected browser", { exact: true })).toHaveCount(0);
    await table.getByRole("link", { name: "pc-0042" }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: "Detected browser pc-0042" })).toBeVisible();
    await expect(page.getByLabel("Browser name")).toHaveAttribute("readonly", "");
    await expect(page.getByRole("button", { name: "Apply" })).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test("a printer assigned to a user is in their Printers history and comes back from it", async ({ page }) => {
    const problems = watchConsole(page);
    const person = `pr.${tag}`;
    const user = await api.createUser(page.request, person, await api.createGroup(page.request, `Pr ${tag}`));

    await gotoHydrated(page, "/printers?q=hq-floor1");
    await page.getByRole("table", { name: "Printers" }).getByRole("link", { name: "hq-floor1" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Printer hq-floor1" })).toBeVisible();
    const panel = page.getByRole("region", { name: "Assign this printer" });
    await panel.getByLabel("To").selectOption("user");
    await panel.getByLabel("User or group name").fill(person);
    await panel.getByRole("button", { name: "Assign", exact: true }).click();
    await expect(page.getByTestId("flash")).toContainText(`Assigned printer hq-floor1 to user ${person}.`);
    const users = page.getByRole("table", { name: "Users assigned this printer" });
    await expect(users.getByRole("link", { name: person })).toBeVisible();

    await panel.getByLabel("Current assignment").selectOption({ label: `User ${person}` });
    await panel.getByRole("button", { name: "Unassign" }).click();
    await expect(page.getByTestId("flash")).toContainText("Unassigned printer hq-floor1.");
    await expect(users.getByRole("link", { name: person })).toHaveCount(0);

    // The user's Backups tab: the Printers history re-creates the ended assignment.
    await gotoHydrated(page, `/users/${user}/backups`);
    await page.locator("summary", { hasText: "History" }).click();
    await page.getByRole("button", { name: "Printers history" }).click();
    const modal = page.getByRole("dialog", { name: "Printers history" });
    await modal.getByLabel("Show").selectOption("ended");
    await modal.getByRole("button", { name: "Restore printer hq-floor1" }).first().click();
    const confirmation = page.getByRole("dialog", { name: "Restore record" });
    await expect(confirmation).toContainText("Re-create printer hq-floor1");
    await confirmation.getByRole("button", { name: "Re-create" }).click();
    await expect(confirmation).toBeHidden();
    await modal.getByLabel("Show").selectOption("current");
    await expect(modal.getByRole("table")).toContainText("printer hq-floor1");
    expect(problems).toEqual([]);
  });
});
