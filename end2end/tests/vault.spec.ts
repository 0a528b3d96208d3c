import { test, expect } from "@playwright/test";
import * as api from "./api";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// The password vault: an Owner creates a vault account in a folder, sets its secret twice,
// reveals it (hidden again after 30 seconds), and puts the first secret back from its history.
const tag = Date.now().toString(36);
const FOLDER = `Servers ${tag}`;
const ACCOUNT = `db-root-${tag}`;
const FIRST = `first-${tag}`;
const SECOND = `second-${tag}`;

test.describe.serial("password vault", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("create, set, reveal, hide and put back an old secret", async ({ page }) => {
    test.setTimeout(120_000);
    const problems = watchConsole(page);
    await api.createResource(page.request, "vault-folders", [FOLDER, "", ""]);

    await gotoHydrated(page, "/vault-accounts");
    await page.getByText("New vault account", { exact: true }).click();
    await page.getByLabel("Account name").fill(ACCOUNT);
    await page.getByRole("combobox", { name: "Vault folder" }).fill(FOLDER);
    await page.getByLabel("Login name").fill("root");
    await page.getByRole("button", { name: "Create vault account" }).click();
    await expect(page.getByRole("heading", { level: 1, name: `Vault account ${ACCOUNT}` })).toBeVisible();

    const history = page.getByRole("table", { name: "Secret history" });
    const secret = page.getByRole("textbox", { name: "New secret" });
    await secret.fill(FIRST);
    await page.getByRole("button", { name: "Set secret" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Set a new secret for ${ACCOUNT}.`);
    await expect(history.locator("tbody tr")).toHaveCount(1);
    await secret.fill(SECOND);
    await page.getByRole("button", { name: "Set secret" }).click();
    await expect(history.locator("tbody tr")).toHaveCount(2);
    // The page never holds a secret it was not asked to reveal.
    expect(await page.content()).not.toContain(FIRST);

    await page.getByRole("button", { name: "Reveal secret" }).click();
    const revealed = page.getByLabel("Revealed secret");
    await expect(revealed).toHaveText(SECOND);
    await page.getByRole("button", { name: "Hide" }).click();
    await expect(revealed).toHaveCount(0);

    await history.locator("tbody tr").nth(1).getByRole("button", { name: "Put back…" }).click();
    const dialog = page.getByRole("dialog", { name: "Put back an old secret" });
    await expect(dialog).toContainText(`becomes the current secret of ${ACCOUNT}`);
    await dialog.getByRole("button", { name: "Put back" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Put back an old secret of ${ACCOUNT}.`);
    await expect(history.locator("tbody tr")).toHaveCount(3);

    await page.getByRole("button", { name: "Reveal secret" }).click();
    await expect(revealed).toHaveText(FIRST);
    // Left alone, it is hidden again after 30 seconds.
    await expect(revealed).toHaveCount(0, { timeout: 40_000 });
    expect(await page.content()).not.toContain(FIRST);

    // The audit log says who revealed what, never the secret.
    await gotoHydrated(page, `/audit?target=${encodeURIComponent(ACCOUNT)}`);
    await expect(page.getByRole("cell", { name: "vault.reveal" }).first()).toBeVisible();
    expect(await page.content()).not.toContain(FIRST);
    expect(problems).toEqual([]);
  });

  test("a folder permission given to a group reaches its members, seen from both sides", async ({ page }) => {
    const problems = watchConsole(page);
    const group = await api.createGroup(page.request, `vault-${tag}`);
    const user = await api.createUser(page.request, `vault.${tag}`, group);
    const folder = await api.createResource(page.request, "vault-folders", [`Team ${tag}`, "", ""]);

    await gotoHydrated(page, `/vault-folders/${folder}`);
    const panel = page.getByRole("region", { name: "Folder permissions" });
    await panel.getByLabel("To").selectOption("group");
    await panel.getByLabel("User, group or role name").fill(`vault-${tag}`);
    await panel.getByLabel("Level").selectOption("Manager");
    await panel.getByRole("button", { name: "Give permission" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Gave a permission on vault folder Team ${tag}`);
    const people = page.getByRole("table", { name: "Effective permissions" });
    await expect(people.getByRole("row", { name: new RegExp(`vault\\.${tag}`) })).toContainText("Manager");
    await expect(people).toContainText(`group vault-${tag}`);

    await gotoHydrated(page, `/users/${user}/effective-roles`);
    const reached = page.getByRole("table", { name: "Vault folders this user reaches" });
    await expect(reached.getByRole("row", { name: new RegExp(`Team ${tag}`) })).toContainText("see and change secrets");
    expect(problems).toEqual([]);
  });
});
