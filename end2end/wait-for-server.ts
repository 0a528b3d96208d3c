// `cargo xtask e2e` waits for /healthz before it starts the tests; this also covers a suite
// started by hand (or by cargo-leptos) together with its server.
export default async function globalSetup() {
  const url = process.env.BASE_URL ?? "http://127.0.0.1:3000";
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/login`);
      if (r.status < 500) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server at ${url} not ready after 120s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
