//! Demo rows of the declared resource kinds (`model::kinds`), each given as its values in
//! declaration order, and a few later changes so their histories have more than one version.
use super::temporal::Author;
use super::{Result, Store};
use crate::model::kinds::{
    APPLICATIONS, CUSTOM_OBJECTS, CUSTOM_OBJECT_TYPES, DETECTED_BROWSERS, HOSTS, NETWORKS,
    PRINTERS, ROLE_RULES, SOD_RULES,
};
use crate::model::{
    AssigneeKind, GrantInput, Grantee, ResourceInput, ResourceKind, RoleId, UserId,
};

type Rows = &'static [&'static [&'static str]];

/// Kinds in an order where every reference names an object created before.
#[rustfmt::skip]
static ROWS: &[(&ResourceKind, Rows)] = &[
    (
        &NETWORKS,
        &[
            &["office-lan", "Head office LAN", "10.10.0.0", "255.255.0.0", "true", "true",
              "gw=10.10.0.1 dns=10.10.0.53", "false"],
            &["datacenter", "Server racks", "10.20.0.0", "255.255.255.0", "true", "false", "",
              "true"],
            &["guest-wifi", "Visitors' wireless", "192.168.50.0", "255.255.255.0", "false",
              "true", "gw=192.168.50.1", "false"],
            &["lab-v6", "IPv6 test lab", "2001:db8:42::", "64", "true", "false", "", "false"],
        ],
    ),
    (
        &HOSTS,
        &[
            &["fs01", "File server", "10.20.0.10", "datacenter", "00:1a:2b:3c:4d:01",
              "files share", "Windows Server 2022", "", "false", "false", "true", "false",
              "SRV-0001", "server", "x86_64", "false"],
            &["mail01", "Mail server", "10.20.0.20", "datacenter", "00:1a:2b:3c:4d:02", "mail smtp",
              "Debian 12", "", "false", "true", "false", "false", "SRV-0002", "server",
              "x86_64", "false"],
            &["print01", "Print server", "10.20.0.30", "datacenter", "00:1a:2b:3c:4d:03",
              "printers", "Windows Server 2022", "", "false", "false", "false", "true",
              "SRV-0003", "server", "x86_64", "false"],
            &["pc-0042", "Reception desk", "10.10.3.42", "office-lan", "3c:52:82:10:00:42", "",
              "Windows 11", "filename=pxelinux.0", "false", "false", "false", "false",
              "WS-0042", "workstation", "x86_64", "false"],
            &["laptop-017", "Sales laptop", "", "office-lan", "3c:52:82:10:01:17", "",
              "macOS 15", "", "true", "false", "false", "false", "NB-0017", "laptop",
              "arm64", "false"],
            &["lab-node1", "IPv6 lab node", "2001:db8:42::10", "lab-v6", "", "", "Debian 12", "",
              "false", "false", "false", "false", "LAB-0001", "server", "x86_64", "false"],
        ],
    ),
    (
        &PRINTERS,
        &[
            &["hq-floor1", "First floor, colour", "print01", "HP Color LaserJet M554", "false"],
            &["hq-finance", "Finance office", "print01", "Brother HL-L6400", "true"],
            &["hq-plotter", "Engineering plotter", "print01", "HP DesignJet T650", "true"],
        ],
    ),
    (
        // Folders before what they hold.
        &APPLICATIONS,
        &[
            &["Office", "Everyday tools", "true", "", "", "", "", "Icons", "true", "true"],
            &["Finance", "Finance applications", "true", "", "", "", "", "List", "false", "true"],
            &["Reports", "Finance reporting", "true", "Finance", "", "", "", "Tree", "false", "false"],
            &["Webmail", "Mail in the browser", "false", "Office", "WEBMAIL", "Mail",
              "Google Workspace", "", "true", "true"],
            &["SAP GUI", "Purchasing and finance", "false", "Finance", "SAPGUI", "ERP", "SAP", "",
              "false", "true"],
            &["Ledger report", "Monthly ledger", "false", "Reports", "LEDGER", "ERP", "SAP", "",
              "false", "false"],
            &["CRM", "Customers and pipeline", "false", "", "CRM", "Sales", "Salesforce", "",
              "false", "true"],
        ],
    ),
    (
        &CUSTOM_OBJECT_TYPES,
        &[
            &["Software licence", "Licences the organisation holds",
              "vendor: text required\nseats: number required\nexpires: date"],
            &["Badge", "Building access badges", "badgeNumber: text required\nactive: flag"],
        ],
    ),
    (
        &CUSTOM_OBJECTS,
        &[
            &["Office suite", "Software licence", "Company-wide office licence",
              "vendor=Contoso\nseats=250\nexpires=2027-06-30"],
            &["CAD seats", "Software licence", "Engineering drawing tools",
              "vendor=Fabrikam\nseats=12"],
            &["Badge 0042", "Badge", "Reception desk", "badgeNumber=0042\nactive=true"],
        ],
    ),
    (
        &DETECTED_BROWSERS,
        &[
            &["pc-0042", "Firefox 133", "10.10.3.42", "Windows 11", "reception",
              "2026-11-30 08:12", "WS-0042", "workstation", "x86_64", "false"],
            &["pc-0042", "Edge 131", "10.10.3.42", "Windows 11", "reception",
              "2026-11-28 16:40", "WS-0042", "workstation", "x86_64", "false"],
            &["laptop-017", "Safari 18", "10.10.7.9", "macOS 15", "sales.rep",
              "2026-12-01 09:03", "NB-0017", "laptop", "arm64", "false"],
        ],
    ),
];

/// Later edits: (kind, object name, attribute key, new value).
static CHANGES: &[(&ResourceKind, &str, &str, &str)] = &[
    (
        &HOSTS,
        "pc-0042",
        "description",
        "Reception desk (ground floor)",
    ),
    (&HOSTS, "pc-0042", "address", "10.10.3.43"),
    (&NETWORKS, "guest-wifi", "restrictLogin", "true"),
    (&PRINTERS, "hq-floor1", "model", "HP Color LaserJet M555"),
    (
        &CUSTOM_OBJECTS,
        "CAD seats",
        "values",
        "vendor=Fabrikam\nseats=20",
    ),
    // The CRM moved into the Office folder.
    (&APPLICATIONS, "CRM", "parent", "Office"),
];

impl Store {
    /// Creates the demo rows, then applies the later changes, one operation each.
    pub(super) async fn seed_resources(&self, mut tick: impl FnMut() -> Author) -> Result<()> {
        let mut created = Vec::new();
        for (kind, rows) in ROWS {
            for row in rows.iter() {
                let input = ResourceInput {
                    values: row.iter().map(|v| v.to_string()).collect(),
                };
                let id = self.create_resource(&tick(), kind, &input).await?;
                created.push((kind.slug, row[0], id, input));
            }
        }
        for (kind, name, key, value) in CHANGES {
            let (index, _) = kind.attribute(key).expect("a declared attribute");
            let (_, _, id, input) = created
                .iter_mut()
                .find(|(slug, n, ..)| *slug == kind.slug && n == name)
                .expect("a seeded object");
            input.values[index] = value.to_string();
            self.update_resource(&tick(), kind, *id, input).await?;
        }
        Ok(())
    }

    /// Printer queues for the first top-level groups and the first few users (by name), as
    /// an administrator would set them up once people exist.
    pub(super) async fn seed_printer_assignments(&self, author: &Author) -> Result<()> {
        let groups: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM groups WHERE valid_to IS NULL AND parent_id IS NULL \
             ORDER BY name_key LIMIT 2",
        )
        .fetch_all(&self.pool)
        .await?;
        let users: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM users WHERE valid_to IS NULL ORDER BY name_key LIMIT 3",
        )
        .fetch_all(&self.pool)
        .await?;
        let printer = |name: &'static str| async move {
            let (id,): (i64,) = sqlx::query_as(
                "SELECT object_id FROM printers WHERE name_key = $1 AND valid_to IS NULL",
            )
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
            Ok::<i64, super::Error>(id)
        };
        let floor1 = printer("hq-floor1").await?;
        let finance = printer("hq-finance").await?;
        for (name,) in &groups {
            self.assign_printer(author, floor1, AssigneeKind::Group, name)
                .await?;
        }
        for (name,) in &users {
            self.assign_printer(author, finance, AssigneeKind::User, name)
                .await?;
        }
        Ok(())
    }

    /// A role assignment rule that gives external staff VPN access, applied once: its
    /// grants show "Managed by rule" on those users.
    pub(super) async fn seed_role_rules(&self, author: &Author) -> Result<()> {
        let input = ResourceInput {
            values: [
                "External staff VPN",
                "Contractors reach the office network through the VPN.",
                "userType eq \"external\" and enabled eq true",
                "VPN Access@Active Directory",
            ]
            .map(String::from)
            .to_vec(),
        };
        let rule = self.create_resource(author, &ROLE_RULES, &input).await?;
        self.apply_role_rule(author, rule).await?;
        self.seed_sod_rules(author).await
    }

    /// Two segregation of duties rules: purchasing and approving is forbidden; helpdesk
    /// work and file editing together is a low risk, which the first user (by name) carries.
    async fn seed_sod_rules(&self, author: &Author) -> Result<()> {
        for values in [
            [
                "Purchase and approve",
                "Who buys does not approve the purchase.",
                "all",
                "",
                "forbidden",
                "SAP Purchaser@SAP\nSAP Approver@SAP",
                "",
            ],
            [
                "Helpdesk and file editing",
                "Helpdesk operators reset passwords; editing shares as well widens what one person can do.",
                "pairs",
                "",
                "",
                "",
                "Helpdesk Operator@Active Directory + File Share Editor@Active Directory: low",
            ],
        ] {
            let input = ResourceInput {
                values: values.map(String::from).to_vec(),
            };
            self.create_resource(author, &SOD_RULES, &input).await?;
        }
        let roles: Vec<(i64,)> = sqlx::query_as(
            "SELECT object_id FROM roles WHERE valid_to IS NULL \
             AND name IN ('Helpdesk Operator', 'File Share Editor')",
        )
        .fetch_all(&self.pool)
        .await?;
        let first: Option<(i64,)> = sqlx::query_as(
            "SELECT object_id FROM users WHERE valid_to IS NULL ORDER BY name_key LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        let Some((user,)) = first else { return Ok(()) };
        for (role,) in roles {
            let input = GrantInput {
                role: RoleId(role),
                grantee: Grantee::User(UserId(user)),
                scope: String::new(),
                start_date: None,
                end_date: None,
            };
            if self
                .find_grant(input.role, input.grantee, "")
                .await?
                .is_none()
            {
                self.grant_role(author, &input).await?;
            }
        }
        Ok(())
    }
}
