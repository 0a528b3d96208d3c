import { defineConfig } from "@playwright/test";

// Browsers cannot be downloaded here: drive Debian's Chromium (apt: chromium).
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

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
  projects: [
    {
      name: "debian-chromium",
      use: {
        browserName: "chromium",
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
      },
    },
  ],
});
