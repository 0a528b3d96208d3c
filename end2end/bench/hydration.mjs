// Benchmark: time from navigation start to hydration (html[data-hydrated]) of the users list
// and the group tree, N loads each with an empty cache and with the bundle cached; prints the
// median and the worst. Against a running server with the demo data and an Owner:
//   BASE=http://127.0.0.1:3000 USER_NAME=… PASSWORD=… node end2end/bench/hydration.mjs
import { chromium } from "@playwright/test";
const base = process.env.BASE;
const n = Number(process.env.N ?? 10);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const ctx = await browser.newContext({ baseURL: base });
await ctx.addInitScript(() => {
  new MutationObserver((_, obs) => {
    if (document.documentElement && document.documentElement.hasAttribute("data-hydrated")) {
      window.__hydratedAt = performance.now();
      obs.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
});
const page = await ctx.newPage();
await page.goto("/login"); await page.waitForSelector("html[data-hydrated=true]");
await page.getByLabel("User name").fill(process.env.USER_NAME ?? "olivia");
await page.getByLabel("Password").fill(process.env.PASSWORD ?? "owner password 1");
await page.getByRole("button", { name: "Sign in" }).click(); await page.getByTestId("signed-in").waitFor();
const signedIn = await ctx.storageState();
const observe = () => {
  new MutationObserver((_, obs) => {
    if (document.documentElement && document.documentElement.hasAttribute("data-hydrated")) {
      window.__hydratedAt = performance.now();
      obs.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
};
for (const route of ["/users", "/groups"]) {
  for (const cache of ["empty cache", "cached bundle"]) {
    const times = [];
    // A new browser context per load: nothing cached. Otherwise one context, bundle cached.
    const shared = await browser.newContext({ baseURL: base, storageState: signedIn });
    await shared.addInitScript(observe);
    for (let i = 0; i < n; i++) {
      const context = cache === "empty cache"
        ? await browser.newContext({ baseURL: base, storageState: signedIn })
        : shared;
      if (context !== shared) await context.addInitScript(observe);
      const p = await context.newPage();
      await p.goto(route);
      await p.waitForSelector("html[data-hydrated=true]");
      times.push(await p.evaluate(() => window.__hydratedAt));
      await p.close();
      if (context !== shared) await context.close();
    }
    await shared.close();
    times.sort((a, b) => a - b);
    console.log(`${route} (${cache}): median ${Math.round(times[times.length >> 1])} ms, max ${Math.round(times.at(-1))} ms over ${n} loads`);
  }
}
await browser.close();
