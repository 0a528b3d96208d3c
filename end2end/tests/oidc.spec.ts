import { expect, Page, test } from "@playwright/test";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// Operators sign in through a real OpenID provider (end2end/oidc/provider.mjs, started by
// `cargo xtask e2e` on loopback): ada.admin is in the provider's rewind-admins group, nora.nogroup
// in no group Rewind maps, olivia.owner in rewind-owners (REWIND_OIDC_OWNER_VALUES). The server
// is told REWIND_OIDC_PROVIDER_NAME="Test IdP".
const PROVIDER = process.env.REWIND_OIDC_PROVIDER_NAME ?? "Test IdP";

/// At the provider's own sign-in page: enters the login and continues.
async function providerLogin(page: Page, login: string) {
  await expect(page.getByRole("heading", { name: "Test IdP sign-in" })).toBeVisible();
  await page.getByLabel("Login").fill(login);
  await page.getByRole("button", { name: "Continue" }).click();
}

async function signInThroughProvider(page: Page, login: string) {
  await gotoHydrated(page, "/login");
  await page.getByRole("link", { name: `Sign in with ${PROVIDER}` }).click();
  await providerLogin(page, login);
}

const auditRows = (page: Page) => page.getByRole("table", { name: "Audit log" }).locator("tbody tr");

test.describe.serial("sign-in through the identity provider", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
  });

  test("an admin of the provider lands in the console as Admin, and the sign-in is audited", async ({ page }) => {
    const problems = watchConsole(page);
    await signInThroughProvider(page, "ada.admin");
    const badge = page.getByTestId("signed-in");
    await expect(badge).toContainText("Ada Admin");
    await expect(badge).toContainText("Admin");
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");

    await gotoHydrated(page, "/audit?target=ada.admin");
    const login = auditRows(page).filter({ hasText: "session.login" }).first();
    await expect(login).toContainText(`through ${PROVIDER} as admin (groups: staff, rewind-admins)`);
    await expect(auditRows(page).filter({ hasText: "operator.add" })).toHaveCount(1);
    expect(problems).toEqual([]);
  });

  test("an account in no mapped group is refused with a clear message, and the refusal is audited", async ({ page }) => {
    const problems = watchConsole(page);
    await signInThroughProvider(page, "nora.nogroup");
    await expect(page).toHaveURL(/\/login\?oidc_error=no-role$/);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(page.getByTestId("oidc-error")).toContainText(
      "Your account at the identity provider is in no group (or role) that gives access to Rewind",
    );
    // The password form is still there for local operators.
    await expect(page.getByLabel("User name")).toBeVisible();

    await signIn(page, OWNER.username, OWNER.password);
    await gotoHydrated(page, "/audit?target=nora.nogroup");
    const refused = auditRows(page).filter({ hasText: "session.login" }).first();
    await expect(refused).toContainText("denied");
    await expect(refused).toContainText("no-role");
    expect(problems).toEqual([]);
  });

  test("cancelling at the provider comes back to the sign-in page with a message", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, "/login");
    await page.getByRole("link", { name: `Sign in with ${PROVIDER}` }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(page).toHaveURL(/\/login\?oidc_error=denied$/);
    await expect(page.getByTestId("oidc-error")).toContainText("The identity provider did not sign you in");
    expect(problems).toEqual([]);
  });

  test("a sensitive action's re-authentication goes through the provider and then works", async ({ page }) => {
    const problems = watchConsole(page);
    // The provider does not say when ada authenticated on a plain sign-in (no auth_time), so
    // the session does not count as freshly authenticated: creating a token asks first.
    await signInThroughProvider(page, "ada.admin");
    await expect(page.getByTestId("signed-in")).toContainText("Ada Admin");
    const name = `sso-${Date.now().toString(36)}`;
    await gotoHydrated(page, "/api-tokens");
    await page.getByLabel("Token name").fill(name);
    await page.getByRole("button", { name: "Create token" }).click();
    const confirm = page.getByRole("link", { name: "Confirm with your identity provider" });
    await expect(confirm).toBeVisible();
    // No password of ada's own to enter: the provider is the only way.
    await expect(page.getByLabel("Your password")).toHaveCount(0);

    await confirm.click();
    // prompt=login: the provider asks again although ada is signed in there.
    await providerLogin(page, "ada.admin");
    await expect(page).toHaveURL(/\/api-tokens$/);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await page.getByLabel("Token name").fill(name);
    await page.getByRole("button", { name: "Create token" }).click();
    await expect(page.getByTestId("flash")).toContainText(`Created API token ${name}.`);
    await expect(page.getByLabel("New API token secret")).toHaveText(/^rwd_[0-9a-f]{64}$/);

    await gotoHydrated(page, "/audit?target=ada.admin");
    const confirmed = auditRows(page).filter({ hasText: "session.confirm-password" }).first();
    await expect(confirmed).toContainText(`through ${PROVIDER}`);
    expect(problems).toEqual([]);
  });

  test("the Owner links their account, then signs in through the provider as Owner", async ({ page }) => {
    const problems = watchConsole(page);
    await signIn(page, OWNER.username, OWNER.password);
    await expect(page.getByRole("link", { name: "Your sign-in" })).toHaveAttribute("href", "/profile");
    await gotoHydrated(page, "/profile");
    const status = page.getByTestId("link-status");
    await expect(status).toBeVisible();
    // A link left by an earlier run is removed first (the test does not rely on the order).
    if (await page.getByRole("button", { name: `Unlink from ${PROVIDER}` }).isVisible()) {
      await unlink(page);
    }
    await expect(status).toContainText("Not linked");

    await page.getByLabel("Your password").fill(OWNER.password);
    await page.getByRole("button", { name: `Link with ${PROVIDER}` }).click();
    // prompt=login: the provider asks which account to link.
    await providerLogin(page, "olivia.owner");
    await expect(page).toHaveURL(/\/profile$/);
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
    await expect(status).toContainText(`linked to an account at ${PROVIDER}`);

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    // Forget the provider's own session too, so it asks for the account again.
    await page.context().clearCookies();
    await signInThroughProvider(page, "olivia.owner");
    const badge = page.getByTestId("signed-in");
    await expect(badge).toContainText(OWNER.displayName);
    await expect(badge).toContainText("Owner");
    await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");

    await gotoHydrated(page, `/audit?target=${OWNER.username}`);
    await expect(auditRows(page).filter({ hasText: "operator.link-identity" }).first()).toContainText("ok");
    await expect(auditRows(page).filter({ hasText: "session.login" }).first()).toContainText(
      `through ${PROVIDER} as owner (groups: rewind-owners)`,
    );

    // Unlinked again (the password stays): the provider account is nobody's, and Owner claims for
    // someone who is not the Owner are refused.
    await gotoHydrated(page, "/profile");
    await unlink(page);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.context().clearCookies();
    await signInThroughProvider(page, "olivia.owner");
    await expect(page).toHaveURL(/\/login\?oidc_error=owner-taken$/);

    // Linked to an account in no Owner group, the Owner is refused rather than demoted.
    await signIn(page, OWNER.username, OWNER.password);
    await gotoHydrated(page, "/profile");
    await page.getByLabel("Your password").fill(OWNER.password);
    await page.getByRole("button", { name: `Link with ${PROVIDER}` }).click();
    await providerLogin(page, "nora.nogroup");
    await expect(page).toHaveURL(/\/profile$/);
    await expect(status).toContainText(`linked to an account at ${PROVIDER}`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.context().clearCookies();
    await signInThroughProvider(page, "nora.nogroup");
    await expect(page).toHaveURL(/\/login\?oidc_error=owner-not-mapped$/);
    await expect(page.getByTestId("oidc-error")).toContainText("does not put it in a group that maps to Owner");

    // The password still signs the Owner in, as Owner; the link is removed again.
    await signIn(page, OWNER.username, OWNER.password);
    await expect(page.getByTestId("signed-in")).toContainText("Owner");
    await gotoHydrated(page, "/profile");
    await unlink(page);
    expect(problems).toEqual([]);
  });
});

/// On the own sign-in page of an operator with a password: removes the provider link.
async function unlink(page: Page) {
  await page.getByLabel("Your password").fill(OWNER.password);
  await page.getByRole("button", { name: `Unlink from ${PROVIDER}` }).click();
  await expect(page.getByTestId("link-status")).toContainText("Not linked");
}
