//! Deterministic demo data with a year of history (`server seed`, `make run`, benchmarks).
//!
//! The directory (groups, systems, roles, mail) and every structural change (renames, moves,
//! deletions) go through the normal store API with backdated authors. Users and their changes
//! are the bulk: they are written in batches of operations per transaction, with the same
//! field helpers, temporal writes, audit lines and snapshot capture as the single writes, so
//! the tables look exactly as if an operator had made every change on that day.
use super::directory::{account_fields, grant_fields, mail_member_fields, owner_fields};
use super::identity::{audit, membership_fields, user_fields};
use super::snapshots::capture;
use super::temporal::{begin_op, close_current, insert_version, new_object, write_version};
use super::temporal::{Author, Table};
use super::{now_micros, Error, Result, Store};
use crate::model::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashSet};

mod events;
mod scale;
mod scale_sql;
use events::{change, onboard, Pools, World};
pub use scale::{ScaleOptions, ScaleReport};

const DAY: i64 = 86_400_000_000;
const HOUR: i64 = 3_600_000_000;
/// The largest demo organisation (`seed_demo`).
const MAX_DEMO_USERS: i64 = 200_000;
const MAX_DEMO_GROUPS: i64 = 10_000;
/// Operations per transaction on the bulk path.
const BATCH: usize = 500;

/// What to seed. `now` anchors the year of history (the clock by default).
#[derive(Clone, Debug)]
pub struct SeedOptions {
    pub users: i64,
    pub groups: i64,
    pub seed: u64,
    pub now: i64,
}

impl SeedOptions {
    pub fn new(users: i64, groups: i64, seed: u64) -> Self {
        Self {
            users,
            groups,
            seed,
            now: now_micros(),
        }
    }
}

/// What `seed_demo` wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub users: i64,
    pub groups: i64,
    pub deleted_users: i64,
    pub deleted_groups: i64,
    pub operations: i64,
    pub snapshots: i64,
}

const ROOTS: [&str; 10] = [
    "Sales",
    "Marketing",
    "Engineering",
    "Finance",
    "Human Resources",
    "Operations",
    "IT",
    "Customer Support",
    "Legal",
    "Research",
];
/// Child name suffixes by depth (1 = below a root).
const REGIONS: [&str; 8] = [
    "EMEA",
    "Americas",
    "APAC",
    "Nordics",
    "DACH",
    "UK & Ireland",
    "Benelux",
    "Iberia",
];
const CITIES: [&str; 12] = [
    "Berlin",
    "Paris",
    "London",
    "Madrid",
    "Milan",
    "Stockholm",
    "New York",
    "Chicago",
    "Toronto",
    "Singapore",
    "Tokyo",
    "Sydney",
];
const FUNCTIONS: [&str; 8] = [
    "Field",
    "Inside",
    "Operations",
    "Analytics",
    "Enablement",
    "Support",
    "Strategy",
    "Projects",
];
const PROJECTS: [&str; 8] = [
    "Project Phoenix",
    "Project Atlas",
    "Project Orion",
    "Project Nova",
    "Project Apollo",
    "Project Helix",
    "Project Vega",
    "Project Quartz",
];
/// Later reorganisations rename regions.
const REGION_RENAMES: [(&str, &str); 4] = [
    ("EMEA", "Europe"),
    ("APAC", "Asia Pacific"),
    ("Americas", "North America"),
    ("Nordics", "Northern Europe"),
];
pub(super) const FIRST_NAMES: [&str; 40] = [
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Klara",
    "Lukas", "Maria", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Samuel", "Tara", "Uma", "Victor",
    "Wanda", "Xavier", "Yara", "Zoe", "Amir", "Beatriz", "Chen", "Dmitri", "Emma", "Farid",
    "Grace", "Hiroshi", "Isabel", "Jamal", "Kenji", "Leila", "Mateo", "Nadia",
];
pub(super) const LAST_NAMES: [&str; 40] = [
    "Schmidt", "Martin", "Garcia", "Rossi", "Novak", "Jensen", "Silva", "Kowalski", "Dubois",
    "Müller", "Smith", "Jones", "Brown", "Taylor", "Wilson", "Nakamura", "Kim", "Singh", "Haddad",
    "Okafor", "Larsen", "Moreau", "Fischer", "Weber", "Becker", "Costa", "Ferrari", "Nilsson",
    "Andersen", "Horvat", "Ivanova", "Popescu", "Yilmaz", "Cohen", "Murphy", "O'Brien", "Lopez",
    "Khan", "Tanaka", "Walker",
];
const AUTHORS: [&str; 4] = ["anna.admin", "ben.helpdesk", "carla.it", "hr-sync"];

/// Roles per system (name, inherits the previous role of the same chain).
type SystemSpec = (&'static str, &'static str, &'static [(&'static str, bool)]);
const SYSTEMS: [SystemSpec; 4] = [
    (
        "Active Directory",
        "Corporate directory and file shares",
        &[
            ("Domain User", false),
            ("Helpdesk Operator", true),
            ("Domain Admin", true),
            ("File Share Reader", false),
            ("File Share Editor", true),
            ("VPN Access", false),
        ],
    ),
    (
        "SAP",
        "ERP: purchasing and finance",
        &[
            ("SAP Display", false),
            ("SAP Purchaser", true),
            ("SAP Approver", true),
            ("SAP Finance Controller", false),
        ],
    ),
    (
        "Google Workspace",
        "Mail, calendar and documents",
        &[
            ("Workspace User", false),
            ("Shared Drive Manager", true),
            ("Workspace Admin", true),
        ],
    ),
    (
        "Salesforce",
        "CRM",
        &[("Sales User", false), ("Sales Manager", true)],
    ),
];
/// Roles operators grant to people directly (the rest come with groups or accounts).
const DIRECT_ROLES: [&str; 6] = [
    "VPN Access",
    "File Share Editor",
    "Shared Drive Manager",
    "Sales Manager",
    "SAP Approver",
    "Helpdesk Operator",
];

struct SeedGroup {
    id: GroupId,
    input: GroupInput,
    depth: usize,
    root: usize,
    project: bool,
    deleted: bool,
}

#[derive(Default)]
struct SeedUser {
    id: UserId,
    input: UserInput,
    /// Secondary memberships: group, membership object.
    memberships: Vec<(GroupId, i64)>,
    /// Direct grants: role, grant object.
    grants: Vec<(RoleId, i64)>,
    deleted: bool,
}

/// One dated change; user events name the user by index and are resolved when applied.
#[derive(Clone, Copy, Debug)]
enum Event {
    Onboard(usize),
    Change(usize),
    DeleteUser(usize),
    RenameGroup(usize, &'static str),
    MoveGroup(usize, usize),
    DeleteGroup(usize),
}

impl Event {
    fn is_bulk(self) -> bool {
        matches!(self, Self::Onboard(_) | Self::Change(_))
    }
}

struct Directory {
    roles: BTreeMap<&'static str, RoleId>,
    ad: SystemId,
    sap: SystemId,
    workspace: SystemId,
    lists: Vec<MailListId>,
}

fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn ascii(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'ü' => 'u',
            'ö' => 'o',
            'ä' => 'a',
            c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
            _ => '\0',
        })
        .filter(|c| *c != '\0')
        .collect()
}

/// The group tree: roots, then children under random shallow parents, then projects.
fn plan_groups(rng: &mut StdRng, total: usize) -> Vec<(String, Option<usize>, usize, bool)> {
    let projects = (total / 15).clamp(2, PROJECTS.len() * 4);
    let tree = total - projects;
    let roots = (tree / 6).clamp(3, ROOTS.len());
    // (name, parent index, depth, project)
    let mut out: Vec<(String, Option<usize>, usize, bool)> = ROOTS[..roots]
        .iter()
        .map(|r| (r.to_string(), None, 0, false))
        .collect();
    let mut names: HashSet<String> = out.iter().map(|g| g.0.to_lowercase()).collect();
    let mut children: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    while out.len() < tree {
        // The first children make one deep chain, so every tree has depth 4 or more.
        let parent = if out.len() < roots + 3 {
            out.len() - 1
        } else {
            let candidates: Vec<usize> = (0..out.len()).filter(|i| out[*i].2 < 4).collect();
            *candidates.choose(rng).expect("a root")
        };
        let parent = if out[parent].2 >= 4 { 0 } else { parent };
        let depth = out[parent].2 + 1;
        let pool: &[&'static str] = match depth {
            1 => &REGIONS,
            2 => &CITIES,
            _ => &FUNCTIONS,
        };
        let used = children.entry(parent).or_default();
        let free: Vec<&'static str> = pool
            .iter()
            .copied()
            .filter(|s| !used.iter().any(|u| u == s))
            .collect();
        let suffix = match free.choose(rng) {
            Some(s) => s.to_string(),
            None => format!("Unit {}", used.len() + 1),
        };
        used.push(suffix.clone());
        let mut name = format!("{} {suffix}", out[parent].0);
        let mut n = 2;
        while names.contains(&name.to_lowercase()) {
            name = format!("{} {suffix} {n}", out[parent].0);
            n += 1;
        }
        names.insert(name.to_lowercase());
        out.push((name, Some(parent), depth, false));
    }
    // Project groups hang below Engineering: they are never anyone's primary group.
    for i in 0..projects {
        let mut name = PROJECTS[i % PROJECTS.len()].to_string();
        if i >= PROJECTS.len() {
            name = format!("{name} {}", i / PROJECTS.len() + 1);
        }
        out.push((name, Some(2), 1, true));
    }
    out
}

impl Store {
    /// Whether the identity store holds nothing yet (no object was ever created).
    pub async fn identity_is_empty(&self) -> Result<bool> {
        let (objects,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM objects")
            .fetch_one(&self.pool)
            .await?;
        Ok(objects == 0)
    }

    /// Fills an empty identity store with a demo organisation and a year of its history.
    /// The same options and seed give the same data (times are relative to `options.now`).
    pub async fn seed_demo(&self, options: &SeedOptions) -> Result<SeedReport> {
        // Everything of the demo is planned in memory: bounded, so that a mistyped size
        // gives a message instead of exhausting memory (`seed_scale` makes large data).
        if !(1..=MAX_DEMO_USERS).contains(&options.users) {
            return Err(Error::invalid(
                "users",
                format!("Seed between 1 and {MAX_DEMO_USERS} demo users (more with --scale)."),
            ));
        }
        if !(10..=MAX_DEMO_GROUPS).contains(&options.groups) {
            return Err(Error::invalid(
                "groups",
                format!("Seed between 10 and {MAX_DEMO_GROUPS} demo groups."),
            ));
        }
        if !self.identity_is_empty().await? {
            return Err(Error::Conflict(
                "The identity store already holds data; demo data is only seeded into an \
                 empty one (use a new database)."
                    .into(),
            ));
        }
        let start = options.now - 365 * DAY;
        let (latest,): (Option<i64>,) = sqlx::query_as("SELECT MAX(at) FROM operations")
            .fetch_one(&self.pool)
            .await?;
        if latest.is_some_and(|at| at > start) {
            return Err(Error::Conflict(
                "This database already records changes within the last year; backdated demo \
                 history cannot go before them (use a new database)."
                    .into(),
            ));
        }
        let mut rng = StdRng::seed_from_u64(options.seed);
        let setup = |minutes: i64| Author::named("hr-sync").at(start + minutes * 60_000_000);
        let dir = self.seed_directory(&setup).await?;

        let plan = plan_groups(&mut rng, options.groups as usize);
        let mut groups: Vec<SeedGroup> = Vec::with_capacity(plan.len());
        for (i, (name, parent, depth, project)) in plan.into_iter().enumerate() {
            let input = GroupInput {
                description: if project {
                    format!("{name}: cross-team project")
                } else {
                    format!("{name} department")
                },
                name,
                parent: parent.map(|p| groups[p].id),
                group_type: if project { "project" } else { "organisation" }.into(),
                drive_letter: if depth == 0 { "S:" } else { "" }.into(),
                drive_server: if depth == 0 { "fs01" } else { "" }.into(),
                ..Default::default()
            };
            // The whole tree exists before the first person arrives (start + 1 day).
            let at = start + HOUR + i as i64 * (20 * HOUR / options.groups);
            let root = parent.map(|p| groups[p].root).unwrap_or(i);
            let id = self
                .create_group(&Author::named("hr-sync").at(at), &input)
                .await?;
            groups.push(SeedGroup {
                id,
                input,
                depth,
                root,
                project,
                deleted: false,
            });
        }
        // Every department gets the basics; some get their own tools.
        let group_roles: [(&str, &[&str]); 6] = [
            ("Sales", &["Sales User"]),
            ("Marketing", &["Shared Drive Manager"]),
            ("Engineering", &["VPN Access", "File Share Reader"]),
            ("Finance", &["SAP Finance Controller"]),
            ("IT", &["Helpdesk Operator"]),
            ("Human Resources", &["File Share Editor"]),
        ];
        for (gi, g) in groups.iter().enumerate().filter(|(_, g)| g.depth == 0) {
            let mut roles = vec!["Domain User", "Workspace User"];
            if let Some((_, extra)) = group_roles.iter().find(|(n, _)| *n == g.input.name) {
                roles.extend(extra.iter());
            }
            for (k, role) in roles.into_iter().enumerate() {
                self.grant_role(
                    &setup(22 * 60 + gi as i64 * 5 + k as i64),
                    &GrantInput {
                        role: dir.roles[role],
                        grantee: Grantee::Group(g.id),
                        scope: String::new(),
                        start_date: None,
                        end_date: None,
                    },
                )
                .await?;
            }
        }
        // Department lists reach their whole department through the group.
        for (i, g) in groups.iter().filter(|g| g.depth == 0).enumerate() {
            if let Some(list) = dir.lists.get(i + 3) {
                self.add_mail_list_member(
                    &setup(23 * 60 + i as i64),
                    *list,
                    &MailMember::Group(g.id),
                )
                .await?;
            }
        }
        self.add_mail_list_member(
            &setup(23 * 60 + 30),
            dir.lists[0],
            &MailMember::External("auditor@partner.example".into()),
        )
        .await?;

        // The timeline: structural changes at known moments, users over the year.
        let mut events: Vec<(i64, Event)> = Vec::new();
        if let Some(marketing) = groups.iter().position(|g| g.input.name == "Marketing") {
            events.push((
                options.now - 182 * DAY,
                Event::RenameGroup(marketing, "Brand & Marketing"),
            ));
        }
        let mut renamed = 0;
        for (i, g) in groups.iter().enumerate() {
            if g.depth == 1 && !g.project && renamed < 3 {
                if let Some((_, to)) = REGION_RENAMES
                    .iter()
                    .find(|(from, _)| g.input.name.ends_with(&format!(" {from}")))
                {
                    let at = start + rng.gen_range(60 * DAY..330 * DAY);
                    events.push((at, Event::RenameGroup(i, to)));
                    renamed += 1;
                }
            }
        }
        // Moves: a leaf team goes to a sibling of its parent ("moved to another region").
        let mut moved = 0;
        for i in 0..groups.len() {
            if moved == 2 {
                break;
            }
            let g = &groups[i];
            if g.project || g.depth < 2 || groups.iter().any(|c| c.input.parent == Some(g.id)) {
                continue;
            }
            let parent = groups.iter().position(|p| Some(p.id) == g.input.parent);
            let grand = parent.and_then(|p| groups[p].input.parent);
            let cousin = (0..groups.len()).find(|&c| {
                Some(c) != parent
                    && groups[c].input.parent == grand
                    && grand.is_some()
                    && !groups[c].project
            });
            if let Some(to) = cousin {
                events.push((
                    start + rng.gen_range(90 * DAY..300 * DAY),
                    Event::MoveGroup(i, to),
                ));
                moved += 1;
            }
        }
        // Finished projects go to the recycle bin.
        let projects: Vec<usize> = (0..groups.len()).filter(|i| groups[*i].project).collect();
        for &p in projects.iter().take(projects.len().div_ceil(2)) {
            events.push((
                start + rng.gen_range(200 * DAY..350 * DAY),
                Event::DeleteGroup(p),
            ));
        }
        let users_total = options.users as usize;
        for u in 0..users_total {
            // Most people come with the initial import, the rest are hired over the year.
            let onboard = if rng.gen_bool(0.7) {
                start + DAY + rng.gen_range(0..30 * DAY)
            } else {
                start + 31 * DAY + rng.gen_range(0..332 * DAY)
            };
            events.push((onboard, Event::Onboard(u)));
            let changes = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3][rng.gen_range(0..10)];
            for _ in 0..changes {
                events.push((
                    rng.gen_range(onboard + HOUR..options.now - HOUR),
                    Event::Change(u),
                ));
            }
            if u % 200 == 7 || (users_total >= 10 && u == users_total / 2) {
                let at = rng.gen_range(onboard + HOUR..options.now - HOUR);
                events.push((at, Event::DeleteUser(u)));
            }
        }
        // Stable order: by time, then as generated.
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by_key(|&i| (events[i].0, i));

        let mut users: Vec<SeedUser> = (0..users_total).map(|_| SeedUser::default()).collect();
        let mut taken_names: HashSet<String> = HashSet::new();
        let mut report = SeedReport {
            groups: groups.len() as i64,
            users: users_total as i64,
            ..Default::default()
        };
        let mut pools = Pools::of(&groups);
        let mut tx = self.begin_identity_write().await?;
        let mut in_batch = 0;
        for i in order {
            let (at, event) = events[i];
            let author = Author::named(AUTHORS[rng.gen_range(0..AUTHORS.len())]).at(at);
            if !event.is_bulk() {
                // Structural changes take the normal path: close the batch first.
                tx.commit().await?;
                in_batch = 0;
                match event {
                    Event::RenameGroup(g, to) => {
                        let mut input = groups[g].input.clone();
                        input.name = match groups[g].depth {
                            0 => to.to_string(),
                            _ => input
                                .name
                                .rsplit_once(' ')
                                .map(|(head, _)| format!("{head} {to}"))
                                .unwrap_or_else(|| to.to_string()),
                        };
                        if !groups.iter().any(|o| o.input.name == input.name) {
                            self.update_group(&author, groups[g].id, &input).await?;
                            groups[g].input = input;
                        }
                    }
                    Event::MoveGroup(g, to) => {
                        let mut input = groups[g].input.clone();
                        input.parent = Some(groups[to].id);
                        self.update_group(&author, groups[g].id, &input).await?;
                        groups[g].input = input;
                    }
                    Event::DeleteGroup(g) => {
                        let id = groups[g].id;
                        self.delete_group(&author, id).await?;
                        groups[g].deleted = true;
                        pools = Pools::of(&groups);
                        report.deleted_groups += 1;
                        for u in users.iter_mut() {
                            u.memberships.retain(|(m, _)| *m != id);
                        }
                    }
                    Event::DeleteUser(u) => {
                        if users[u].id.0 != 0 && !users[u].deleted {
                            self.delete_user(&author, users[u].id).await?;
                            users[u].deleted = true;
                            report.deleted_users += 1;
                        }
                    }
                    Event::Onboard(_) | Event::Change(_) => {}
                }
                tx = self.begin_identity_write().await?;
                continue;
            }
            let world = World {
                groups: &groups,
                pools: &pools,
                dir: &dir,
            };
            match event {
                Event::Onboard(u) => {
                    users[u] =
                        onboard(&mut tx, &author, &mut rng, u, world, &mut taken_names).await?;
                }
                Event::Change(u) if users[u].id.0 != 0 && !users[u].deleted => {
                    change(&mut tx, &author, &mut rng, &mut users[u], world).await?;
                }
                _ => {}
            }
            in_batch += 1;
            if in_batch >= BATCH {
                tx.commit().await?;
                tx = self.begin_identity_write().await?;
                in_batch = 0;
            }
        }
        tx.commit().await?;
        self.seed_printer_assignments(&Author::named("anna.admin").at(options.now - HOUR))
            .await?;
        self.seed_role_rules(&Author::named("anna.admin").at(options.now - HOUR / 2))
            .await?;
        self.seed_vault(&Author::named("anna.admin").at(options.now - HOUR / 4))
            .await?;
        let (operations,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM operations")
            .fetch_one(&self.pool)
            .await?;
        let (snapshots,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM user_snapshots")
            .fetch_one(&self.pool)
            .await?;
        report.operations = operations;
        report.snapshots = snapshots;
        Ok(report)
    }

    /// Systems, roles with their inheritance, mail domains and lists.
    async fn seed_directory(&self, setup: &impl Fn(i64) -> Author) -> Result<Directory> {
        let mut roles = BTreeMap::new();
        let mut system_ids = Vec::new();
        let mut minute = 0;
        let mut tick = || {
            minute += 1;
            setup(minute)
        };
        for (name, description, system_roles) in SYSTEMS {
            let system = self.create_system(&tick(), name, description).await?;
            system_ids.push(system);
            let mut previous: Option<RoleId> = None;
            for (role, inherits) in system_roles.iter() {
                let id = self
                    .create_role(
                        &tick(),
                        &RoleInput {
                            system,
                            name: role.to_string(),
                            description: format!("{role} in {name}"),
                            category: if role.contains("Admin") {
                                "privileged"
                            } else {
                                "standard"
                            }
                            .into(),
                            ..Default::default()
                        },
                    )
                    .await?;
                if let (true, Some(prev)) = (*inherits, previous) {
                    self.add_role_inheritance(&tick(), id, prev).await?;
                }
                previous = Some(id);
                roles.insert(*role, id);
            }
        }
        for (name, description) in [
            ("HR Portal", "Employee self-service"),
            ("Finance ERP", "Ledgers and purchasing"),
        ] {
            self.create_information_system(&tick(), name, description)
                .await?;
        }
        let mut domains = Vec::new();
        for (code, description, obsolete) in [
            ("example.com", "Main domain", false),
            ("example.de", "German subsidiary", false),
            ("old-example.net", "Before the rebrand", true),
        ] {
            domains.push(
                self.create_mail_domain(
                    &tick(),
                    &MailDomainInput {
                        code: code.into(),
                        description: description.into(),
                        obsolete,
                    },
                )
                .await?,
            );
        }
        let mut lists = Vec::new();
        let names = ["all-staff", "announcements", "it-alerts"]
            .into_iter()
            .map(String::from)
            .chain(ROOTS.iter().map(|r| slug(r)));
        for name in names {
            lists.push(
                self.create_mail_list(
                    &tick(),
                    &MailListInput {
                        domain: domains[0],
                        description: format!("{name}@example.com"),
                        name,
                    },
                )
                .await?,
            );
        }
        self.seed_resources(&mut tick).await?;
        Ok(Directory {
            roles,
            ad: system_ids[0],
            sap: system_ids[1],
            workspace: system_ids[2],
            lists,
        })
    }
}
