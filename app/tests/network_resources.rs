//! The network kinds on the resource engine: address, mask and MAC checks, a host's
//! address inside its network, ranges that do not overlap or strand hosts, printers on
//! printer servers, references kept across renames and restores, and detected browsers fed
//! by CSV.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::{DETECTED_BROWSERS, HOSTS, NETWORKS, PRINTERS};
use app::model::*;
use app::store::{Error, ImportRequest, Store};
use common::*;

fn values(values: &[&str]) -> ResourceInput {
    ResourceInput {
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn network(name: &str, address: &str, mask: &str) -> ResourceInput {
    values(&[name, "", address, mask, "true", "false", "", "false"])
}

/// A host: name, address, network, printer server flag; the rest empty or off.
fn host(name: &str, address: &str, network: &str, printer_server: bool) -> ResourceInput {
    let flag = printer_server.to_string();
    values(&[
        name, "", address, network, "", "", "", "", "false", "false", "false", &flag, "", "", "",
        "false",
    ])
}

fn field_messages(error: Error) -> Vec<(String, String)> {
    match error {
        Error::Invalid(problems) => problems.into_iter().map(|p| (p.field, p.message)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn current(store: &Store, kind: &'static ResourceKind, id: i64) -> Vec<String> {
    store
        .get_resource(kind, id, None)
        .await
        .unwrap()
        .record
        .values
}

#[tokio::test]
async fn networks_keep_a_canonical_range_and_refuse_host_bits_and_overlaps() {
    let store = store().await;
    let lan = store
        .create_resource(&at(SEC), &NETWORKS, &network("lan", "10.1.0.0", "/16"))
        .await
        .unwrap();
    let v6 = store
        .create_resource(
            &at(2 * SEC),
            &NETWORKS,
            &network("lab", "2001:DB8:0::", "/48"),
        )
        .await
        .unwrap();
    assert_eq!(
        current(&store, &NETWORKS, lan).await[2..4],
        ["10.1.0.0", "255.255.0.0"]
    );
    assert_eq!(
        current(&store, &NETWORKS, v6).await[2..4],
        ["2001:db8::", "48"]
    );

    let host_bits = store
        .create_resource(
            &at(3 * SEC),
            &NETWORKS,
            &network("x", "10.2.0.9", "255.255.255.0"),
        )
        .await
        .unwrap_err();
    let messages = field_messages(host_bits);
    assert_eq!(messages[0].0, "mask");
    assert!(messages[0].1.contains("10.2.0.0"), "{messages:?}");

    let overlap = store
        .create_resource(
            &at(4 * SEC),
            &NETWORKS,
            &network("office", "10.1.4.0", "24"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&overlap, Error::Conflict(m) if m.contains("\"lan\"") && m.contains("10.1.0.0/16")),
        "{overlap:?}"
    );
    let not_an_address = store
        .create_resource(&at(5 * SEC), &NETWORKS, &network("y", "10.3.0", "24"))
        .await
        .unwrap_err();
    assert_eq!(field_messages(not_an_address)[0].0, "address");
    let page = store
        .search_resources(&NETWORKS, &DirectoryQuery::default())
        .await
        .unwrap();
    assert_eq!(page.total, 2, "the refused networks left nothing behind");
}

#[tokio::test]
async fn a_host_must_lie_in_its_network_and_hold_its_address_alone() {
    let store = store().await;
    store
        .create_resource(&at(SEC), &NETWORKS, &network("lan", "10.1.2.0", "24"))
        .await
        .unwrap();
    let outside = store
        .create_resource(&at(2 * SEC), &HOSTS, &host("pc1", "10.1.3.7", "lan", false))
        .await
        .unwrap_err();
    let messages = field_messages(outside);
    assert_eq!(messages[0].0, "address");
    assert!(
        messages[0].1.contains("10.1.2.0/24") && messages[0].1.contains("\"lan\""),
        "{messages:?}"
    );
    let unknown = store
        .create_resource(&at(3 * SEC), &HOSTS, &host("pc1", "10.1.2.7", "wan", false))
        .await
        .unwrap_err();
    assert_eq!(
        field_messages(unknown),
        [(
            "network".to_string(),
            "No network is named \"wan\".".to_string()
        )]
    );
    // Found ignoring case; shown as the network calls itself.
    let pc1 = store
        .create_resource(&at(4 * SEC), &HOSTS, &host("pc1", "10.1.2.7", "LAN", false))
        .await
        .unwrap();
    assert_eq!(current(&store, &HOSTS, pc1).await[3], "lan");
    let taken = store
        .create_resource(&at(5 * SEC), &HOSTS, &host("pc2", "10.1.2.7", "lan", false))
        .await
        .unwrap_err();
    let messages = field_messages(taken);
    assert_eq!(messages[0].0, "address");
    assert!(messages[0].1.contains("\"pc1\""), "{messages:?}");
    // Hosts without an address (dynamic) do not collide.
    for name in ["laptop1", "laptop2"] {
        store
            .create_resource(&at(6 * SEC), &HOSTS, &host(name, "", "lan", false))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_network_change_that_would_strand_its_hosts_is_refused_and_changes_nothing() {
    let store = store().await;
    let lan = store
        .create_resource(&at(SEC), &NETWORKS, &network("lan", "10.1.0.0", "16"))
        .await
        .unwrap();
    store
        .create_resource(
            &at(2 * SEC),
            &HOSTS,
            &host("far", "10.1.200.1", "lan", false),
        )
        .await
        .unwrap();
    let narrowed = store
        .update_resource(
            &at(3 * SEC),
            &NETWORKS,
            lan,
            &network("lan", "10.1.0.0", "17"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&narrowed, Error::Conflict(m) if m.contains("far 10.1.200.1")),
        "{narrowed:?}"
    );
    assert_eq!(current(&store, &NETWORKS, lan).await[3], "255.255.0.0");
    let deleted = store
        .delete_resources(&at(4 * SEC), &NETWORKS, &[lan])
        .await
        .unwrap_err();
    assert!(
        matches!(&deleted, Error::Conflict(m) if m.contains("\"far\"")),
        "{deleted:?}"
    );
    // A change that keeps the host inside goes through.
    store
        .update_resource(
            &at(5 * SEC),
            &NETWORKS,
            lan,
            &network("lan", "10.0.0.0", "8"),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_printer_needs_a_printer_server_which_stays_one_while_printers_use_it() {
    let store = store().await;
    store
        .create_resource(&at(SEC), &NETWORKS, &network("dc", "10.20.0.0", "24"))
        .await
        .unwrap();
    let fs = store
        .create_resource(
            &at(2 * SEC),
            &HOSTS,
            &host("fs01", "10.20.0.10", "dc", false),
        )
        .await
        .unwrap();
    let printer = values(&["floor1", "", "fs01", "LaserJet", "false"]);
    let refused = store
        .create_resource(&at(3 * SEC), &PRINTERS, &printer)
        .await
        .unwrap_err();
    let messages = field_messages(refused);
    assert_eq!(messages[0].0, "server");
    assert!(
        messages[0].1.contains("Shared printer server"),
        "{messages:?}"
    );
    store
        .update_resource(
            &at(4 * SEC),
            &HOSTS,
            fs,
            &host("fs01", "10.20.0.10", "dc", true),
        )
        .await
        .unwrap();
    store
        .create_resource(&at(5 * SEC), &PRINTERS, &printer)
        .await
        .unwrap();
    let turned_off = store
        .update_resource(
            &at(6 * SEC),
            &HOSTS,
            fs,
            &host("fs01", "10.20.0.10", "dc", false),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&turned_off, Error::Conflict(m) if m.contains("\"floor1\"")),
        "{turned_off:?}"
    );
    assert_eq!(current(&store, &HOSTS, fs).await[11], "true");
}

#[tokio::test]
async fn a_host_names_its_network_as_renamed_and_an_old_version_restores_only_onto_the_same_network(
) {
    let store = store().await;
    let old = store
        .create_resource(&at(SEC), &NETWORKS, &network("old-lan", "10.1.0.0", "16"))
        .await
        .unwrap();
    store
        .create_resource(
            &at(2 * SEC),
            &NETWORKS,
            &network("new-lan", "10.2.0.0", "16"),
        )
        .await
        .unwrap();
    let pc = store
        .create_resource(
            &at(3 * SEC),
            &HOSTS,
            &host("pc", "10.1.0.5", "old-lan", false),
        )
        .await
        .unwrap();
    // A rename of the network shows in the host's versions, old and new.
    store
        .update_resource(
            &at(4 * SEC),
            &NETWORKS,
            old,
            &network("lan-a", "10.1.0.0", "16"),
        )
        .await
        .unwrap();
    assert_eq!(current(&store, &HOSTS, pc).await[3], "lan-a");
    store
        .update_resource(
            &at(5 * SEC),
            &HOSTS,
            pc,
            &host("pc", "10.2.0.5", "new-lan", false),
        )
        .await
        .unwrap();
    let history = store.resource_history(&HOSTS, pc, 0, 10).await.unwrap();
    let first = history.items.last().unwrap();
    assert_eq!(first.values[3], "lan-a");
    // Its network deleted, the first version cannot come back...
    store
        .delete_resources(&at(6 * SEC), &NETWORKS, &[old])
        .await
        .unwrap();
    let gone = store
        .restore_resource_version(&at(7 * SEC), &HOSTS, pc, first.version_id)
        .await
        .unwrap_err();
    assert_eq!(field_messages(gone)[0].0, "network");
    // ...nor onto another network that took the name since.
    store
        .create_resource(&at(8 * SEC), &NETWORKS, &network("lan-a", "10.1.0.0", "16"))
        .await
        .unwrap();
    let other = store
        .restore_resource_version(&at(9 * SEC), &HOSTS, pc, first.version_id)
        .await
        .unwrap_err();
    assert!(
        matches!(&other, Error::Conflict(m) if m.contains("recycle bin")),
        "{other:?}"
    );
    assert_eq!(current(&store, &HOSTS, pc).await[2], "10.2.0.5");
    // Recovered, the network takes the host back.
    let squatter = store
        .search_resources(
            &NETWORKS,
            &DirectoryQuery {
                search: "lan-a".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items[0]
        .id;
    store
        .delete_resources(&at(10 * SEC), &NETWORKS, &[squatter])
        .await
        .unwrap();
    store
        .recover_resource(&at(11 * SEC), &NETWORKS, old)
        .await
        .unwrap();
    store
        .restore_resource_version(&at(12 * SEC), &HOSTS, pc, first.version_id)
        .await
        .unwrap();
    assert_eq!(
        current(&store, &HOSTS, pc).await[2..4],
        ["10.1.0.5", "lan-a"]
    );
}

#[tokio::test]
async fn macs_and_aliases_are_kept_in_one_form_and_bad_ones_refused() {
    let store = store().await;
    store
        .create_resource(&at(SEC), &NETWORKS, &network("lan", "10.1.0.0", "16"))
        .await
        .unwrap();
    let mut input = host("web", "10.1.0.80", "lan", false);
    input.values[4] = "00-1A-2B-3C-4D-5E".into();
    input.values[5] = "WWW, intranet\nwww".into();
    let id = store
        .create_resource(&at(2 * SEC), &HOSTS, &input)
        .await
        .unwrap();
    assert_eq!(
        current(&store, &HOSTS, id).await[4..6],
        ["00:1a:2b:3c:4d:5e", "www intranet"]
    );
    input.values[0] = "web2".into();
    input.values[2] = "10.1.0.81".into();
    input.values[4] = "00:1a:2b".into();
    input.values[5] = "bad_name".into();
    let fields: Vec<String> = field_messages(
        store
            .create_resource(&at(3 * SEC), &HOSTS, &input)
            .await
            .unwrap_err(),
    )
    .into_iter()
    .map(|(field, _)| field)
    .collect();
    assert_eq!(fields, ["mac", "aliases"]);
}

#[tokio::test]
async fn detected_browsers_are_matched_by_host_and_browser_on_import_and_a_host_reports_several() {
    let store = store().await;
    let request = |csv: &str, apply| ImportRequest {
        kind: ImportKind::Resource(KindRef(&DETECTED_BROWSERS)),
        file: csv.as_bytes().to_vec(),
        mapping: None,
        apply,
    };
    let rows = "host,browser,address,lastUser\n\
                pc-1,Firefox 133,10.0.0.5,ana\n\
                pc-1,Edge 131,10.0.0.5,ana\n";
    let bad = format!("{rows}pc-2,Safari,not-an-ip,bo\n");
    let preview = store
        .import_csv(&at(SEC), &request(&bad, false))
        .await
        .unwrap();
    assert_eq!((preview.created, preview.invalid), (2, 1), "{preview:?}");
    assert_eq!(preview.rows[2].errors[0].field, "address");
    // A file with a bad row imports nothing.
    assert!(store
        .import_csv(&at(SEC), &request(&bad, true))
        .await
        .is_err());
    let none = store
        .search_resources(&DETECTED_BROWSERS, &DirectoryQuery::default())
        .await
        .unwrap();
    assert_eq!(none.total, 0);

    let outcome = store
        .import_csv(&at(2 * SEC), &request(rows, true))
        .await
        .unwrap();
    assert_eq!(outcome.created, 2, "{outcome:?}");
    // A later report of the same host and browser updates it; a new browser is added.
    let later = "host,browser,address,lastUser\n\
                 PC-1,firefox 133,10.0.0.5,carla\n\
                 pc-1,Chrome 131,10.0.0.5,carla\n";
    let again = store
        .import_csv(&at(3 * SEC), &request(later, true))
        .await
        .unwrap();
    assert_eq!((again.created, again.updated), (1, 1), "{again:?}");
    // The same host and browser twice in one file is refused.
    let twice = format!("{later}pc-1,Firefox 133,10.0.0.5,dan\n");
    let preview = store
        .import_csv(&at(4 * SEC), &request(&twice, false))
        .await
        .unwrap();
    assert!(
        preview.rows[2].errors[0].message.contains("also on line 2"),
        "{preview:?}"
    );
    let page = store
        .search_resources(
            &DETECTED_BROWSERS,
            &DirectoryQuery {
                search: "pc-1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let browsers: Vec<(&str, &str)> = page
        .items
        .iter()
        .map(|r| (r.values[1].as_str(), r.values[4].as_str()))
        .collect();
    assert_eq!(page.total, 3);
    assert!(browsers.contains(&("firefox 133", "carla")), "{browsers:?}");
    assert!(browsers.contains(&("Edge 131", "ana")) && browsers.contains(&("Chrome 131", "carla")));
}
