import { test, expect, request as newRequest } from "@playwright/test";
import * as api from "./api";
import { SAME_SITE } from "./api";
import { OWNER, gotoHydrated, signIn, watchConsole } from "./helpers";

// A downstream system follows the change feed with an API token (long-polling, as a mirror
// would) while an operator restores a user on the console's timeline: the restore's changes
// arrive in the feed as they were applied, with the attributes before and after.
const tag = Date.now().toString(36);

test.describe.serial("change feed", () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, OWNER.username, OWNER.password);
  });

  test("a follower sees a user restored on the console arrive in the feed", async ({ page, baseURL }) => {
    const problems = watchConsole(page);
    const made = await page.request.post("/api/create_api_token", {
      headers: SAME_SITE,
      data: { input: { name: `mirror-${tag}`, days: 1, permissions: ["IdentityRead"] } },
    });
    expect(made.ok()).toBe(true);
    const secret: string = (await made.json()).secret;

    const group = await api.createGroup(page.request, `feed-${tag}`);
    const user = await api.createUser(page.request, `feed.${tag}`, group);
    await page.waitForTimeout(20);
    await api.updateUser(page.request, user, api.userInput(`feed.${tag}`, group, `wrong.${tag}@example.test`));

    // The follower is another program: its own HTTP client, the token and nothing else.
    const follower = await newRequest.newContext({
      baseURL,
      extraHTTPHeaders: { Authorization: `Bearer ${secret}` },
    });
    const feed = async (after: string, wait: string) => {
      const reply = await follower.get(`/api/v1/changes?after=${after}&limit=1000&wait=${wait}`, { timeout: 40_000 });
      expect(reply.status()).toBe(200);
      return reply.json();
    };
    // Catch up to the end of the feed, then wait for what comes next.
    let cursor = "";
    for (;;) {
      const page = await feed(cursor, "0");
      cursor = page.next;
      if (page.events.length === 0) break;
    }
    const waiting = feed(cursor, "30s");

    await gotoHydrated(page, `/users/${user}/history`);
    const events = page.getByRole("list", { name: "Timeline" }).locator(":scope > li");
    await expect(events).toHaveCount(2);
    await events.nth(1).getByRole("button", { name: /^Restore to here/ }).click();
    const dialog = page.getByRole("dialog", { name: /^Restore to / });
    await expect(dialog).toContainText(`feed.${tag}@example.test`);
    await dialog.getByRole("button", { name: "Confirm restore" }).click();
    await expect(page.getByRole("status")).toContainText(/restored/);

    const arrived = await waiting;
    expect(arrived.events).toHaveLength(1);
    const restore = arrived.events[0];
    expect(restore.source).toBe("restore");
    expect(restore.author).toBe(OWNER.username);
    const row = restore.changes.find((c: { table: string; id: number }) => c.table === "users" && c.id === user);
    expect(row.operation).toBe("update");
    expect(row.before.email).toBe(`wrong.${tag}@example.test`);
    expect(row.after.email).toBe(`feed.${tag}@example.test`);

    // The user's history through the REST API holds the same operation, newest.
    const history = await follower.get(`/api/v1/users/${user}/history?limit=1`);
    expect(history.status()).toBe(200);
    expect((await history.json()).items[0].operation_id).toBe(restore.operation_id);
    await follower.dispose();
    expect(problems).toEqual([]);
  });
});
