import { defineConfig } from "@playwright/test";

// Browsers cannot be downloaded here: drive Debian's Chromium (apt: chromium).
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const chromium = {
  browserName: "chromium" as const,
  launchOptions: {
    executablePath: chromiumPath,
    // Without the networking flags Chromium tries outside hosts, which are refused here.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  },
};

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./wait-for-server.ts",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    trace: "off",
    actionTimeout: 10_000,
  },
  // The foundation spec creates the Owner on the fresh database; every other spec builds on it.
  // E2E_GREP narrows a local run to matching tests (the foundation still runs first).
  // E2E_SMOKE=1 (`cargo xtask e2e --smoke`) runs only the release smoke spec, which needs
  // a fresh database of its own, and then the cold loads of every route.
  projects: process.env.E2E_SMOKE
    ? [
        { name: "smoke", testMatch: /smoke\.spec\.ts/, use: chromium },
        // Then every route opened cold, COLD_RUNS times, on the optimised bundle.
        { name: "smoke-cold", testMatch: /cold-routes\.spec\.ts/, dependencies: ["smoke"], use: chromium },
      ]
    : [
        { name: "foundation", testMatch: /foundation\.spec\.ts/, use: chromium },
        {
          name: "console",
          testIgnore: [/foundation\.spec\.ts/, /smoke\.spec\.ts/],
          dependencies: ["foundation"],
          grep: process.env.E2E_GREP ? new RegExp(process.env.E2E_GREP) : /.*/,
          use: chromium,
        },
      ],
});
