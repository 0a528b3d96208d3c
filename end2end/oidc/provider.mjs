// A real OpenID provider on loopback for the end-to-end tests (oidc-provider from npm), started
// by `cargo xtask e2e` before the server. Plain http is allowed on 127.0.0.1: oidc-provider
// marks its cookies Secure only on https requests.
//
//   OIDC_PORT=4100 OIDC_REDIRECT_URI=http://127.0.0.1:3000/auth/oidc/callback node provider.mjs
//
// One static confidential client that must use PKCE, four accounts (an admin, an auditor, one
// in no group Rewind maps, one in the Owner group), and a minimal login page of its own (no
// outside fonts, so the browser's console stays clean) with a Cancel button that answers
// access_denied. Consent is given automatically: the client is first-party.
import http from "node:http";
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT ?? 4100);
const issuer = `http://127.0.0.1:${port}`;
const redirectUri = process.env.OIDC_REDIRECT_URI ?? "http://127.0.0.1:3000/auth/oidc/callback";

export const CLIENT = { id: "rewind-e2e", secret: "e2e-client-secret-0123456789" };

// Subjects differ from the login names: Rewind links operators by (issuer, subject).
const ACCOUNTS = {
  "ada.admin": { sub: "sub-7d1c-ada", name: "Ada Admin", email: "ada@idp.example.test", groups: ["staff", "rewind-admins"] },
  "otto.auditor": { sub: "sub-21f0-otto", name: "Otto Auditor", email: "otto@idp.example.test", groups: ["rewind-auditors"] },
  "nora.nogroup": { sub: "sub-9b44-nora", name: "Nora Nogroup", email: "nora@idp.example.test", groups: ["staff"] },
  // Rewind's Owner links this account from the console before signing in with it.
  "olivia.owner": { sub: "sub-5e02-olivia", name: "Olivia at the IdP", email: "olivia@idp.example.test", groups: ["rewind-owners"] },
};
const BY_SUB = Object.fromEntries(Object.entries(ACCOUNTS).map(([login, a]) => [a.sub, { login, ...a }]));

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "e2e-1", use: "sig", alg: "RS256" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true },
  jwks: { keys: [signingKey] },
  cookies: { keys: ["e2e-cookie-key-not-secret"] },
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username"],
    email: ["email", "email_verified"],
    groups: ["groups"],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = BY_SUB[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          name: account.name,
          preferred_username: account.login,
          email: account.email,
          email_verified: true,
          groups: account.groups,
        };
      },
    };
  },
  async renderError(ctx, out) {
    ctx.type = "html";
    ctx.body = `<!doctype html><title>Error</title><h1>Error</h1><pre>${escape(JSON.stringify(out))}</pre>`;
  },
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(res, status, body) {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP</title></head><body>${body}</body></html>`);
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
}

// The interaction pages: a login form, and consent given without asking.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (req.method === "POST" && req.url.endsWith("/cancel")) {
    return provider.interactionFinished(req, res,
      { error: "access_denied", error_description: "End-User cancelled" }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === "login") {
    if (req.method === "POST") {
      const login = (await readForm(req)).get("login") ?? "";
      const account = ACCOUNTS[login];
      if (!account) {
        return page(res, 200, loginForm(uid, `No account ${escape(login)}.`));
      }
      return provider.interactionFinished(req, res,
        { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
    }
    return page(res, 200, loginForm(uid, ""));
  }
  if (prompt.name === "consent") {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return page(res, 501, "Not implemented");
}

function loginForm(uid, problem) {
  return `<main><h1>Test IdP sign-in</h1>${problem ? `<p role="alert">${problem}</p>` : ""}
    <form method="post" action="/interaction/${uid}/login">
      <label>Login <input name="login" autocomplete="off" autofocus></label>
      <button type="submit">Continue</button>
    </form>
    <form method="post" action="/interaction/${uid}/cancel"><button type="submit">Cancel</button></form>
  </main>`;
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith("/interaction/")) {
    interaction(req, res).catch((error) => {
      console.error(error);
      if (!res.headersSent) page(res, 400, `<p>${escape(error.message)}</p>`);
    });
  } else {
    callback(req, res);
  }
});
server.listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on ${issuer}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
