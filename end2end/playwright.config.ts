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
  // foundation.spec.ts starts from an empty database (it creates the Owner), so it runs
  // first, as a dependency of every other spec.
  projects: [
    { name: "first-run", testMatch: /foundation\.spec\.ts/, use: chromium },
    { name: "debian-chromium", testIgnore: /foundation\.spec\.ts/, dependencies: ["first-run"], use: chromium },
  ],
});
