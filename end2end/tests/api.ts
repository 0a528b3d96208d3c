import { APIRequestContext, expect } from "@playwright/test";

// API calls made outside the page (Playwright's request context) carry no Origin, Sec-Fetch-Site
// or Referer, and the server refuses a state-changing request that does not show it comes from
// the console; the page's own requests get these from the browser.
export const SAME_SITE = { Origin: new URL(process.env.BASE_URL ?? "http://127.0.0.1:3000").origin };


/// Fixtures through the server functions (the signed-in page's cookies go along).
async function call(request: APIRequestContext, endpoint: string, data: object): Promise<string> {
  const response = await request.post(`/api/${endpoint}`, { headers: SAME_SITE, data });
  const text = await response.text();
  expect(response.ok(), `${endpoint}: ${text}`).toBeTruthy();
  return text;
}

export async function setSnapshotDelay(request: APIRequestContext, seconds: number) {
  await call(request, "set_snapshot_config", {
    config: { min_delay_secs: seconds, delay_unit: "minutes", keep_count: 20, entitlements_history: true },
  });
}

export async function createGroup(request: APIRequestContext, name: string, parent: number | null = null): Promise<number> {
  const input = {
    name, description: "", parent, group_type: "", drive_letter: "", drive_server: "",
    disabled: false, active_since: null, active_until: null,
  };
  return Number(await call(request, "create_group", { input }));
}

export async function renameGroup(request: APIRequestContext, id: number, name: string, parent: number | null = null) {
  const input = {
    name, description: "", parent, group_type: "", drive_letter: "", drive_server: "",
    disabled: false, active_since: null, active_until: null,
  };
  await call(request, "update_group", { id, input });
}

export function userInput(name: string, primaryGroup: number, email = `${name}@example.test`) {
  return {
    name, first_name: name.split(".")[0], middle_name: "", last_name: "Tester", user_type: "internal",
    primary_group: primaryGroup, home_server: "", profile_server: "", mail_server: "", email,
    mail_aliases: "", enabled: true, multi_session: false, comments: "", custom: [],
  };
}

export async function createUser(request: APIRequestContext, name: string, primaryGroup: number): Promise<number> {
  return Number(await call(request, "create_user", { input: userInput(name, primaryGroup) }));
}

export async function updateUser(request: APIRequestContext, id: number, input: object) {
  await call(request, "update_user", { id, input });
}

export async function addMembership(request: APIRequestContext, user: number, group: number, startDate: string | null = null): Promise<number> {
  return Number(await call(request, "add_membership", { input: { user, group, start_date: startDate, end_date: null, comments: "" } }));
}

/// A new system named `system` with one role.
export async function createRole(request: APIRequestContext, system: string, role: string): Promise<number> {
  return createRoleOn(request, await createSystem(request, system), role);
}

export async function createRoleOn(request: APIRequestContext, system: number, role: string): Promise<number> {
  return Number(
    await call(request, "create_role", {
      input: { system, name: role, description: "", category: "", information_system: null, domain_type: "none" },
    }),
  );
}

export async function grantToUser(request: APIRequestContext, role: number, user: number): Promise<number> {
  return Number(await call(request, "grant_role", { input: { role, grantee: { User: user }, scope: "", start_date: null, end_date: null } }));
}

export async function revokeGrant(request: APIRequestContext, id: number) {
  const response = await request.post("/api/revoke_grant", { headers: SAME_SITE, form: { id: String(id) } });
  expect(response.ok(), await response.text()).toBeTruthy();
}

export async function deleteRole(request: APIRequestContext, id: number) {
  const response = await request.post("/api/delete_role", { headers: SAME_SITE, form: { id: String(id) } });
  expect(response.ok(), await response.text()).toBeTruthy();
}

export async function deleteUser(request: APIRequestContext, id: number) {
  const response = await request.post("/api/delete_user", { headers: SAME_SITE, form: { id: String(id) } });
  expect(response.ok(), await response.text()).toBeTruthy();
}

async function postForm(request: APIRequestContext, endpoint: string, form: Record<string, string>): Promise<string> {
  const response = await request.post(`/api/${endpoint}`, { headers: SAME_SITE, form });
  const text = await response.text();
  expect(response.ok(), `${endpoint}: ${text}`).toBeTruthy();
  return text;
}

export async function createSystem(request: APIRequestContext, name: string): Promise<number> {
  return Number(await postForm(request, "create_system", { name, description: "" }));
}

export async function createAccount(request: APIRequestContext, system: number, name: string): Promise<number> {
  const input = { system, name, login_name: name, description: "", account_type: "single", status: "enabled", attributes: [] };
  return Number(await call(request, "create_account", { input }));
}

export async function setAccountOwner(request: APIRequestContext, account: number, user: number, level = "owner") {
  await postForm(request, "set_account_owner", { account: String(account), user: String(user), level });
}

export async function removeAccountOwner(request: APIRequestContext, account: number, user: number) {
  await postForm(request, "remove_account_owner", { account: String(account), user: String(user) });
}

export async function createMailDomain(request: APIRequestContext, code: string): Promise<number> {
  return Number(await call(request, "create_mail_domain", { input: { code, description: "", obsolete: false } }));
}

export async function createMailList(request: APIRequestContext, domain: number, name: string): Promise<number> {
  return Number(await call(request, "create_mail_list", { input: { domain, name, description: "" } }));
}

export async function addUserToMailList(request: APIRequestContext, list: number, user: number) {
  await call(request, "add_mail_list_member", { list, member: { User: user } });
}

export async function removeUserFromMailList(request: APIRequestContext, list: number, user: number) {
  await call(request, "remove_mail_list_member", { list, member: { User: user } });
}

/// An object of a declared kind (`model::kinds`), its values in declaration order.
export async function createResource(request: APIRequestContext, kind: string, values: string[]): Promise<number> {
  return Number(await call(request, "create_resource", { kind, input: { values } }));
}
