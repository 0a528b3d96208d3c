//! The network resources: networks, the hosts in them, the printers they serve and the
//! browsers single sign-on clients report.
use super::{attribute, name, Attribute, Dependent, ResourceKind, ValueType};
use crate::model::resource::Rule;
use crate::model::{AccessList, AssigneeKind, Permission};

/// A printer's queue, assigned to users (in their snapshots) and groups.
static PRINTER_QUEUES: AccessList = AccessList {
    table: "printer_assignments",
    column: "printer_id",
    title: "Assign this printer",
    current: "Current assignment",
    grant: "Assign",
    granted: "Assigned",
    revoke: "Unassign",
    revoked: "Unassigned",
    assignees: &[AssigneeKind::User, AssigneeKind::Group],
    levels: &[],
    mask: false,
    in_snapshots: true,
};

/// Who may manage the addresses of a network's hosts, and how far, per host-name mask.
static NETWORK_ACCESS: AccessList = AccessList {
    table: "network_access",
    column: "network_id",
    title: "Access control",
    current: "Current entry",
    grant: "Add entry",
    granted: "Added an access-control entry to",
    revoke: "Remove entry",
    revoked: "Removed an access-control entry from",
    assignees: &[AssigneeKind::User, AssigneeKind::Group, AssigneeKind::Role],
    levels: &[
        "Without access",
        "Query",
        "Support",
        "Administration",
        "Login",
    ],
    mask: true,
    in_snapshots: false,
};

const DESCRIPTION: Attribute = super::DESCRIPTION;

const fn flag(
    key: &'static str,
    column: &'static str,
    label: &'static str,
    heading: &'static str,
) -> Attribute {
    attribute(
        key,
        column,
        label,
        heading,
        ValueType::Flag {
            on: "Yes",
            off: "No",
        },
    )
}

const fn line(
    key: &'static str,
    column: &'static str,
    label: &'static str,
    heading: &'static str,
) -> Attribute {
    attribute(key, column, label, heading, ValueType::Line)
}

/// Subnets of the internal network: the address space hosts are given addresses from.
pub static NETWORKS: ResourceKind = ResourceKind {
    slug: "networks",
    table: "networks",
    singular: "network",
    plural: "Networks",
    action: "network",
    attributes: &[
        name("name", "Network name", "Name"),
        DESCRIPTION,
        attribute(
            "address",
            "address",
            "IP address",
            "Address",
            ValueType::Address,
        )
        .required()
        .unique(),
        attribute("mask", "mask", "Address mask", "Mask", ValueType::Mask).required(),
        attribute(
            "internal",
            "internal",
            "Internal network (fully managed)",
            "Internal",
            ValueType::Flag {
                on: "Internal",
                off: "External",
            },
        ),
        flag("dhcp", "dhcp", "Supports DHCP", "DHCP"),
        attribute(
            "dhcpAttributes",
            "dhcp_attributes",
            "DHCP attributes",
            "DHCP attributes",
            ValueType::Text,
        ),
        attribute(
            "restrictLogin",
            "restrict_login",
            "Restrict single sign-on login",
            "Login",
            ValueType::Flag {
                on: "Restricted",
                off: "Open",
            },
        ),
    ],
    search_hint: "name, description or address",
    dependents: &[
        Dependent {
            table: "hosts",
            column: "network_id",
            title: "Hosts in this network",
            noun: "hosts",
            empty: "No host is in this network.",
            href: "/hosts/",
            columns: &[
                ("x.name", "Host"),
                ("x.address", "Address"),
                ("x.operating_system", "Operating system"),
                ("x.description", "Description"),
            ],
            count: Some(("hosts", "Hosts")),
            blocks_delete: true,
            filter: "",
            link: "x.object_id",
        },
        Dependent {
            table: "network_access",
            column: "network_id",
            title: "Access-control entries",
            noun: "access-control entries",
            empty: "Nobody is given access to this network's hosts.",
            href: "",
            columns: &[
                (super::GRANTEE_SQL, "Who"),
                ("x.level", "Level"),
                ("x.mask", "Host-name mask"),
            ],
            count: None,
            blocks_delete: false,
            filter: "",
            link: "x.object_id",
        },
    ],
    affects: None,
    rules: &[Rule::Network {
        address: "address",
        mask: "mask",
    }],
    matched_by: &[],
    access: Some(&NETWORK_ACCESS),
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};

/// Machines with a static address in one of the networks (or a dynamic one).
pub static HOSTS: ResourceKind = ResourceKind {
    slug: "hosts",
    table: "hosts",
    singular: "host",
    plural: "Hosts",
    action: "host",
    attributes: &[
        name("name", "Host name", "Name"),
        DESCRIPTION,
        attribute(
            "address",
            "address",
            "IP address",
            "Address",
            ValueType::Address,
        )
        .unique(),
        attribute(
            "network",
            "network_id",
            "Network",
            "Network",
            ValueType::Reference(&NETWORKS),
        )
        .required(),
        attribute("mac", "mac", "MAC address", "MAC", ValueType::Mac),
        attribute(
            "aliases",
            "aliases",
            "Aliases",
            "Aliases",
            ValueType::HostNames,
        ),
        line("os", "operating_system", "Operating system", "OS"),
        attribute(
            "dhcpParameters",
            "dhcp_parameters",
            "DHCP server parameters",
            "DHCP parameters",
            ValueType::Text,
        ),
        flag("dynamicIp", "dynamic_ip", "Dynamic IP", "Dynamic IP"),
        flag("mailServer", "mail_server", "Mail server", "Mail"),
        flag(
            "folderServer",
            "folder_server",
            "Shared folders server",
            "Folders",
        ),
        flag(
            "printerServer",
            "printer_server",
            "Shared printer server",
            "Printers",
        ),
        line("serialNumber", "serial_number", "Serial number", "Serial"),
        line("deviceType", "device_type", "Device type", "Device"),
        line("cpu", "cpu", "CPU type", "CPU"),
        flag("locked", "locked", "Locked", "Locked"),
    ],
    search_hint: "name, address, alias or network",
    dependents: &[Dependent {
        table: "printers",
        column: "server_id",
        title: "Printers served by this host",
        noun: "printers",
        empty: "This host serves no printer.",
        href: "/printers/",
        columns: &[
            ("x.name", "Printer"),
            ("x.model", "Model"),
            ("x.description", "Description"),
        ],
        count: None,
        blocks_delete: true,
        filter: "",
        link: "x.object_id",
    }],
    // Users assigned a printer this host serves: their snapshots name the server.
    affects: Some(
        "SELECT pa.grantee_id FROM printer_assignments pa JOIN printers p \
           ON p.object_id = pa.printer_id AND p.valid_to IS NULL \
         WHERE p.server_id = $1 AND pa.grantee_kind = 'user' AND pa.valid_to IS NULL",
    ),
    rules: &[Rule::InNetwork {
        address: "address",
        network: "network",
    }],
    matched_by: &[],
    access: None,
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};

/// Printer queues, each on a host that shares printers.
pub static PRINTERS: ResourceKind = ResourceKind {
    slug: "printers",
    table: "printers",
    singular: "printer",
    plural: "Printers",
    action: "printer",
    attributes: &[
        name("name", "Printer name", "Name"),
        DESCRIPTION,
        attribute(
            "server",
            "server_id",
            "Printing server",
            "Server",
            ValueType::Reference(&HOSTS),
        )
        .required(),
        line("model", "model", "Model", "Model"),
        attribute(
            "restricted",
            "restricted",
            "Restricted to assigned users and groups",
            "Access",
            ValueType::Flag {
                on: "Assigned only",
                off: "Everyone",
            },
        ),
    ],
    search_hint: "name, description, server or model",
    dependents: &[
        Dependent {
            table: "printer_assignments",
            column: "printer_id",
            title: "Users assigned this printer",
            noun: "users assigned",
            empty: "No user is assigned this printer directly.",
            href: "/users/",
            columns: &[
                (
                    "(SELECT u.name FROM users u WHERE u.object_id = x.grantee_id \
                      ORDER BY u.version_id DESC LIMIT 1)",
                    "User",
                ),
                (
                    "(SELECT u.first_name || ' ' || u.last_name FROM users u \
                      WHERE u.object_id = x.grantee_id ORDER BY u.version_id DESC LIMIT 1)",
                    "Full name",
                ),
            ],
            count: Some(("users", "Users")),
            blocks_delete: true,
            filter: "x.grantee_kind = 'user'",
            link: "x.grantee_id",
        },
        Dependent {
            table: "printer_assignments",
            column: "printer_id",
            title: "Groups assigned this printer",
            noun: "groups assigned",
            empty: "No group is assigned this printer.",
            href: "/groups?group=",
            columns: &[(
                "(SELECT g.name FROM groups g WHERE g.object_id = x.grantee_id \
                  ORDER BY g.version_id DESC LIMIT 1)",
                "Group",
            )],
            count: Some(("groups", "Groups")),
            blocks_delete: true,
            filter: "x.grantee_kind = 'group'",
            link: "x.grantee_id",
        },
    ],
    // Users assigned the printer directly: their snapshots name it.
    affects: Some(
        "SELECT grantee_id FROM printer_assignments WHERE printer_id = $1 \
           AND grantee_kind = 'user' AND valid_to IS NULL",
    ),
    rules: &[Rule::ReferenceHas {
        reference: "server",
        flag: "printerServer",
    }],
    matched_by: &[],
    access: Some(&PRINTER_QUEUES),
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};

/// Browsers and versions single sign-on clients reported: imported, not typed in.
pub static DETECTED_BROWSERS: ResourceKind = ResourceKind {
    slug: "detected-browsers",
    table: "detected_browsers",
    singular: "detected browser",
    plural: "Detected browsers",
    action: "detected-browser",
    attributes: &[
        line("host", "host", "Host name", "Host").required(),
        line("browser", "browser", "Browser name", "Browser").required(),
        attribute(
            "address",
            "address",
            "IP address",
            "Address",
            ValueType::Address,
        ),
        line("os", "operating_system", "Operating system", "OS"),
        line("lastUser", "last_user", "Last user", "Last user"),
        line(
            "lastConnection",
            "last_connection",
            "Last connection",
            "Last connection",
        ),
        line("serialNumber", "serial_number", "Serial number", "Serial"),
        line("deviceType", "device_type", "Device type", "Device"),
        line("cpu", "cpu", "CPU", "CPU"),
        flag("locked", "locked", "Locked", "Locked"),
    ],
    search_hint: "host, browser, address or user",
    dependents: &[],
    affects: None,
    rules: &[],
    // A host reports each of its browsers; a new report of one updates it.
    matched_by: &["host", "browser"],
    access: None,
    manual_entry: false,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};
