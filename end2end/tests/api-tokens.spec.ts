import { test, expect } from "@playwright/test";
import * as api from "./api";
import { OWNER, ensureOwner, gotoHydrated, signIn, watchConsole } from "./helpers";

// An Owner creates an API token on the console, sees its secret once, reads a user through
// SCIM with it (now and as of before a rename), then revokes it and it stops working.
const tag = Date.now().toString(36);

test.describe.serial("API tokens", () => {
  test.beforeEach(async ({ page }) => {
    await ensureOwner(page);
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("create a token, read SCIM with it as of a past instant, revoke it", async ({ page }) => {
    const problems = watchConsole(page);
    const group = await api.createGroup(page.request, `scim-${tag}`);
    const user = await api.createUser(page.request, `scim.${tag}`, group);
    const before = new Date().toISOString();
    await page.waitForTimeout(20);
    await api.updateUser(page.request, user, api.userInput(`scim.renamed.${tag}`, group, `scim.${tag}@example.test`));

    await gotoHydrated(page, "/api-tokens");
    await page.getByLabel("Token name").fill(`okta-${tag}`);
    await page.getByRole("button", { name: "Create token" }).click();
    const flash = page.getByTestId("flash");
    await expect(flash).toContainText(`Created API token okta-${tag}.`);
    await flash.getByRole("button", { name: "Dismiss" }).click();
    const secret = await page.getByLabel("New API token secret").textContent();
    expect(secret).toMatch(/^rwd_[0-9a-f]{64}$/);
    const row = page.getByRole("table", { name: "API tokens" }).getByRole("row", { name: new RegExp(`okta-${tag}`) });
    await expect(row).toContainText("active");
    await expect(row).toContainText("identity:read");

    // The API answers the bearer token and nothing else: the page's own cookie is not enough.
    const read = async (path: string, token?: string) =>
      page.request.get(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const now = await read(`/scim/v2/Users/${user}`, secret!);
    expect(now.status()).toBe(200);
    expect((await now.json()).userName).toBe(`scim.renamed.${tag}`);
    const then = await read(`/scim/v2/Users/${user}?asOf=${encodeURIComponent(before)}`, secret!);
    expect((await then.json()).userName).toBe(`scim.${tag}`);
    expect((await read(`/scim/v2/Users/${user}`)).status()).toBe(401);

    await row.getByRole("button", { name: `Revoke okta-${tag}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Yes, revoke" }).click();
    await expect(flash).toContainText(`Revoked API token okta-${tag}.`);
    await expect(row).toContainText("revoked");
    expect((await read(`/scim/v2/Users/${user}`, secret!)).status()).toBe(401);
    expect(problems).toEqual([]);
  });

  test("provision a user and a group through SCIM, see them and their history, deactivate the user and read it as of before", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, "/api-tokens");
    await page.getByLabel("Token name").fill(`entra-${tag}`);
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = (await page.getByLabel("New API token secret").textContent())!;
    const scim = (method: string, path: string, data?: object) =>
      page.request.fetch(path, {
        method,
        headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/scim+json" },
        data: data ? JSON.stringify(data) : undefined,
      });
    const created = await scim("POST", "/scim/v2/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: `prov.${tag}`,
      name: { givenName: "Prov", familyName: "Isioned" },
      emails: [{ value: `prov.${tag}@example.test`, primary: true }],
      active: true,
    });
    expect(created.status()).toBe(201);
    const id = (await created.json()).id;

    await gotoHydrated(page, `/users/${id}`);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(`prov.${tag}`);
    await expect(page.locator("main")).toContainText(`token entra-${tag} (SCIM)`);

    // A group with the user as member, as Entra pushes one: in the console with its external
    // id and member, and on the user's timeline as a change by the token.
    const group = await scim("POST", "/scim/v2/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: `Provisioned team ${tag}`,
      externalId: `00g-${tag}`,
      members: [{ value: id }],
    });
    expect(group.status()).toBe(201);
    const groupId = (await group.json()).id;
    await gotoHydrated(page, `/groups?group=${groupId}`);
    await expect(page.getByLabel("External id")).toHaveValue(`00g-${tag}`);
    await gotoHydrated(page, `/groups?group=${groupId}&tab=users`);
    await expect(page.getByRole("table", { name: "Members" })).toContainText(`prov.${tag}`);
    await gotoHydrated(page, `/users/${id}/history`);
    const timeline = page.getByRole("list", { name: "Timeline" }).locator(":scope > li");
    await expect(timeline.nth(0)).toContainText(`+ Provisioned team ${tag}`);
    await expect(timeline.nth(0)).toContainText(`token entra-${tag} (SCIM)`);
    const before = new Date().toISOString();
    await page.waitForTimeout(20);
    const deactivated = await scim("PATCH", `/scim/v2/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Replace", path: "active", value: "False" }],
    });
    expect(deactivated.status()).toBe(200);
    await gotoHydrated(page, `/users/${id}`);
    await expect(page.getByLabel("Enabled")).not.toBeChecked();
    const then = await scim("GET", `/scim/v2/Users/${id}?asOf=${encodeURIComponent(before)}`);
    expect((await then.json()).active).toBe(true);
    expect(problems).toEqual([]);
  });
  test("the API reference shows the change feed from the server's own OpenAPI document", async ({ page }) => {
    const problems = watchConsole(page);
    await gotoHydrated(page, "/api-reference");
    const feed = page.getByRole("region", { name: "GET /api/v1/changes" });
    await expect(feed).toBeVisible();
    const parameters = feed.getByRole("table", { name: "Parameters" });
    for (const name of ["after", "limit", "wait"]) {
      await expect(parameters.getByRole("row", { name: new RegExp(`^${name}\\b`) })).toBeVisible();
    }
    await expect(feed.getByRole("table", { name: "Answers" })).toContainText("401");
    // Restores are on the page with what they take and answer.
    const restore = page.getByRole("region", { name: "POST /api/v1/users/{id}/restores", exact: true });
    await expect(restore).toBeVisible();
    await expect(restore.getByRole("table", { name: "Answers" })).toContainText("409");
    const document = await page.request.get("/api/openapi.json");
    const paths = (await document.json()).paths;
    expect(paths["/api/v1/changes"].get).toBeTruthy();
    expect(paths["/api/v1/users/{id}/history"].get).toBeTruthy();
    expect(problems).toEqual([]);
  });
});
