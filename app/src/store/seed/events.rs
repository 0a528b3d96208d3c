//! The demo year's people: onboarding a new user (memberships, accounts, grants, lists) and
//! the changes that happen to them afterwards, written in the seed's batches.
use super::*;

/// What user events read: the groups, who can join which, the directory.
#[derive(Clone, Copy)]
pub(super) struct World<'a> {
    pub(super) groups: &'a [SeedGroup],
    pub(super) pools: &'a Pools,
    pub(super) dir: &'a Directory,
}

/// Indexes of the live groups people can join: departments and projects.
pub(super) struct Pools {
    tree: Vec<usize>,
    projects: Vec<usize>,
}

impl Pools {
    pub(super) fn of(groups: &[SeedGroup]) -> Self {
        let live = |project: bool| {
            (0..groups.len())
                .filter(|&i| !groups[i].deleted && groups[i].project == project)
                .collect()
        };
        Self {
            tree: live(false),
            projects: live(true),
        }
    }

    /// A department most of the time, sometimes a project.
    fn any(&self, rng: &mut StdRng) -> Option<usize> {
        let pool = if rng.gen_bool(0.3) && !self.projects.is_empty() {
            &self.projects
        } else {
            &self.tree
        };
        pool.choose(rng).copied()
    }
}

/// A new person as an HR import creates them: the user with memberships, accounts, grants
/// and mailing lists, in one operation with one snapshot.
pub(super) async fn onboard(
    conn: &mut AnyConnection,
    author: &Author,
    rng: &mut StdRng,
    index: usize,
    world: World<'_>,
    taken: &mut HashSet<String>,
) -> Result<SeedUser> {
    let World { groups, pools, dir } = world;
    let first = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
    let base = format!("{}.{}", ascii(first), ascii(last));
    let mut name = base.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}{n}");
        n += 1;
    }
    let primary = groups[*pools.tree.choose(rng).expect("groups")].id;
    let input = UserInput {
        email: format!("{name}@example.com"),
        name: name.clone(),
        first_name: first.into(),
        middle_name: String::new(),
        last_name: last.into(),
        user_type: if rng.gen_bool(0.9) {
            "internal"
        } else {
            "external"
        }
        .into(),
        primary_group: primary,
        home_server: format!("fs0{}", rng.gen_range(1..5)),
        profile_server: format!("fs0{}", rng.gen_range(1..5)),
        mail_server: if rng.gen_bool(0.5) { "mx1" } else { "mx2" }.into(),
        mail_aliases: String::new(),
        enabled: true,
        multi_session: rng.gen_bool(0.2),
        comments: String::new(),
        custom: vec![
            CustomAttribute {
                name: "cost_center".into(),
                value: format!("CC-{}", 1000 + rng.gen_range(0..60) * 10),
            },
            CustomAttribute {
                name: "employee_id".into(),
                value: format!("E{:06}", index + 1),
            },
        ],
    };
    let op = begin_op(conn, author, "user.create", &name).await?;
    let id = new_object(conn, Table::Users).await?;
    insert_version(conn, &op, Table::Users, id, &user_fields(&input)).await?;
    let mut user = SeedUser {
        id: UserId(id),
        input,
        ..Default::default()
    };
    for _ in 0..[0, 1, 1, 2][rng.gen_range(0..4)] {
        if let Some(g) = pools.any(rng) {
            add_membership(conn, &op, &mut user, groups[g].id, rng).await?;
        }
    }
    let account = |system: SystemId, account_name: String, kind: &str| AccountInput {
        system,
        login_name: account_name.clone(),
        name: account_name,
        description: String::new(),
        account_type: kind.into(),
        status: "enabled".into(),
        attributes: Vec::new(),
    };
    let mut accounts = vec![account(dir.ad, name.clone(), "single")];
    if rng.gen_bool(0.6) {
        accounts.push(account(dir.workspace, user.input.email.clone(), "single"));
    }
    let sap = rng.gen_bool(0.15);
    if sap {
        accounts.push(account(dir.sap, format!("U{:06}", index + 1), "single"));
    }
    if rng.gen_bool(0.02) {
        accounts.push(account(dir.ad, format!("adm-{name}"), "privileged"));
    }
    for input in &accounts {
        let account_id = new_object(conn, Table::Accounts).await?;
        insert_version(
            conn,
            &op,
            Table::Accounts,
            account_id,
            &account_fields(input),
        )
        .await?;
        let owner = new_object(conn, Table::AccountOwners).await?;
        insert_version(
            conn,
            &op,
            Table::AccountOwners,
            owner,
            &owner_fields(account_id, id, "owner"),
        )
        .await?;
        if input.system == dir.sap {
            let role = if rng.gen_bool(0.7) {
                "SAP Display"
            } else {
                "SAP Purchaser"
            };
            let grant = new_object(conn, Table::Grants).await?;
            insert_version(
                conn,
                &op,
                Table::Grants,
                grant,
                &grant_fields(&GrantInput {
                    role: dir.roles[role],
                    grantee: Grantee::Account(AccountId(account_id)),
                    scope: String::new(),
                    start_date: None,
                    end_date: None,
                }),
            )
            .await?;
        }
    }
    if rng.gen_bool(0.3) {
        let role = dir.roles[DIRECT_ROLES[rng.gen_range(0..DIRECT_ROLES.len())]];
        add_grant(conn, &op, &mut user, role).await?;
    }
    if rng.gen_bool(0.25) {
        let list = dir.lists[rng.gen_range(0..3)];
        let member = new_object(conn, Table::MailListMembers).await?;
        insert_version(
            conn,
            &op,
            Table::MailListMembers,
            member,
            &mail_member_fields(list.0, &MailMember::User(UserId(id))),
        )
        .await?;
    }
    audit(conn, &op, "user.create", &name, "").await?;
    capture(conn, &op, &[id]).await?;
    Ok(user)
}

async fn add_membership(
    conn: &mut AnyConnection,
    op: &super::super::temporal::Op,
    user: &mut SeedUser,
    group: GroupId,
    rng: &mut StdRng,
) -> Result<bool> {
    if group == user.input.primary_group || user.memberships.iter().any(|(g, _)| *g == group) {
        return Ok(false);
    }
    let id = new_object(conn, Table::Memberships).await?;
    let input = MembershipInput {
        user: user.id,
        group,
        start_date: Some(super::super::to_time(op.at - op.at % DAY)),
        end_date: None,
        comments: if rng.gen_bool(0.2) {
            "temporary assignment".into()
        } else {
            String::new()
        },
    };
    insert_version(conn, op, Table::Memberships, id, &membership_fields(&input)).await?;
    user.memberships.push((group, id));
    Ok(true)
}

async fn add_grant(
    conn: &mut AnyConnection,
    op: &super::super::temporal::Op,
    user: &mut SeedUser,
    role: RoleId,
) -> Result<()> {
    let id = new_object(conn, Table::Grants).await?;
    insert_version(
        conn,
        op,
        Table::Grants,
        id,
        &grant_fields(&GrantInput {
            role,
            grantee: Grantee::User(user.id),
            scope: String::new(),
            start_date: Some(super::super::to_time(op.at - op.at % DAY)),
            end_date: None,
        }),
    )
    .await?;
    user.grants.push((role, id));
    Ok(())
}

/// One later change to a person: an attribute edit, a transfer, a membership or a grant that
/// starts or ends.
pub(super) async fn change(
    conn: &mut AnyConnection,
    author: &Author,
    rng: &mut StdRng,
    user: &mut SeedUser,
    world: World<'_>,
) -> Result<()> {
    let World { groups, pools, dir } = world;
    let name = user.input.name.clone();
    match rng.gen_range(0..10) {
        0..=3 => {
            let mut input = user.input.clone();
            let (kind, details) = match rng.gen_range(0..4) {
                0 => {
                    input.last_name = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())].into();
                    ("user.update", "last name changed".to_string())
                }
                1 => {
                    input.primary_group = groups[*pools.tree.choose(rng).expect("groups")].id;
                    ("user.update", "transferred".to_string())
                }
                2 => {
                    input.enabled = !input.enabled;
                    ("user.update", "enabled toggled".to_string())
                }
                _ => {
                    input.mail_server = if input.mail_server == "mx1" {
                        "mx2"
                    } else {
                        "mx1"
                    }
                    .into();
                    input.comments = "mailbox migrated".into();
                    ("user.update", "mailbox migrated".to_string())
                }
            };
            if input == user.input
                || user
                    .memberships
                    .iter()
                    .any(|(g, _)| *g == input.primary_group)
            {
                return Ok(());
            }
            let op = begin_op(conn, author, kind, &name).await?;
            write_version(conn, &op, Table::Users, user.id.0, &user_fields(&input)).await?;
            user.input = input;
            audit(conn, &op, kind, &name, &details).await?;
            capture(conn, &op, &[user.id.0]).await?;
        }
        4..=5 => {
            let Some(g) = pools.any(rng) else {
                return Ok(());
            };
            if user.memberships.iter().any(|(m, _)| *m == groups[g].id)
                || groups[g].id == user.input.primary_group
            {
                return Ok(());
            }
            let op = begin_op(conn, author, "membership.add", &name).await?;
            add_membership(conn, &op, user, groups[g].id, rng).await?;
            audit(conn, &op, "membership.add", &name, &groups[g].input.name).await?;
            capture(conn, &op, &[user.id.0]).await?;
        }
        6..=7 => {
            if user.memberships.is_empty() {
                return Ok(());
            }
            let (_, membership) = user
                .memberships
                .remove(rng.gen_range(0..user.memberships.len()));
            let op = begin_op(conn, author, "membership.remove", "").await?;
            close_current(conn, &op, Table::Memberships, membership).await?;
            audit(
                conn,
                &op,
                "membership.remove",
                &format!("membership {membership}"),
                "",
            )
            .await?;
            capture(conn, &op, &[user.id.0]).await?;
        }
        8 => {
            let role = dir.roles[DIRECT_ROLES[rng.gen_range(0..DIRECT_ROLES.len())]];
            if user.grants.iter().any(|(r, _)| *r == role) {
                return Ok(());
            }
            let op = begin_op(conn, author, "grant.add", "").await?;
            add_grant(conn, &op, user, role).await?;
            audit(conn, &op, "grant.add", &format!("user {}", user.id.0), "").await?;
            capture(conn, &op, &[user.id.0]).await?;
        }
        _ => {
            if user.grants.is_empty() {
                return Ok(());
            }
            let (_, grant) = user.grants.remove(rng.gen_range(0..user.grants.len()));
            let op = begin_op(conn, author, "grant.revoke", "").await?;
            close_current(conn, &op, Table::Grants, grant).await?;
            audit(
                conn,
                &op,
                "grant.revoke",
                &format!("user {}", user.id.0),
                "",
            )
            .await?;
            capture(conn, &op, &[user.id.0]).await?;
        }
    }
    Ok(())
}
