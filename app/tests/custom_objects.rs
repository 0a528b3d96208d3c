//! Custom object types and their objects: values checked against the type's attributes,
//! types not changed under their objects, and objects as recoverable as any declared kind.
#![cfg(feature = "ssr")]
mod common;

use app::model::kinds::{self, CUSTOM_OBJECTS, CUSTOM_OBJECT_TYPES};
use app::model::*;
use app::store::{Error, Store};
use common::*;

fn values(values: &[&str]) -> ResourceInput {
    ResourceInput {
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

async fn licence_type(store: &Store) -> i64 {
    store
        .create_resource(
            &at(SEC),
            &CUSTOM_OBJECT_TYPES,
            &values(&[
                "Licence",
                "",
                "vendor: TEXT required\nseats: number required\nexpires: date",
            ]),
        )
        .await
        .unwrap()
}

fn problem(error: Error) -> (String, String) {
    match error {
        Error::Invalid(p) => (p[0].field.clone(), p[0].message.clone()),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_objects_values_fit_its_type_and_are_kept_in_the_types_order() {
    let store = store().await;
    let licence = licence_type(&store).await;
    let spec = store
        .get_resource(&CUSTOM_OBJECT_TYPES, licence, None)
        .await
        .unwrap()
        .record
        .values[2]
        .clone();
    assert_eq!(
        spec,
        "vendor: text required\nseats: number required\nexpires: date"
    );

    let id = store
        .create_resource(
            &at(2 * SEC),
            &CUSTOM_OBJECTS,
            &values(&["Office", "licence", "", "SEATS = 250\nvendor=Contoso"]),
        )
        .await
        .unwrap();
    let record = store
        .get_resource(&CUSTOM_OBJECTS, id, None)
        .await
        .unwrap()
        .record;
    assert_eq!(record.values[1], "Licence");
    assert_eq!(record.values[3], "vendor=Contoso\nseats=250");

    let (field, message) = problem(
        store
            .create_resource(
                &at(3 * SEC),
                &CUSTOM_OBJECTS,
                &values(&[
                    "CAD",
                    "Licence",
                    "",
                    "vendor=Fabrikam\nseats=many\ncolour=red",
                ]),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "values");
    assert!(
        message.contains("\"colour\"") && message.contains("\"many\" is not a number"),
        "{message}"
    );
    let (_, missing) = problem(
        store
            .create_resource(
                &at(4 * SEC),
                &CUSTOM_OBJECTS,
                &values(&["CAD", "Licence", "", "vendor=Fabrikam"]),
            )
            .await
            .unwrap_err(),
    );
    assert!(missing.contains("seats is required"), "{missing}");
    let (field, _) = problem(
        store
            .create_resource(
                &at(5 * SEC),
                &CUSTOM_OBJECT_TYPES,
                &values(&["Badge", "", "number: money"]),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(field, "attributes");
}

#[tokio::test]
async fn a_type_keeps_attributes_its_objects_use_and_is_not_deleted_under_them() {
    let store = store().await;
    let licence = licence_type(&store).await;
    let office = store
        .create_resource(
            &at(2 * SEC),
            &CUSTOM_OBJECTS,
            &values(&["Office", "Licence", "", "vendor=Contoso\nseats=250"]),
        )
        .await
        .unwrap();
    // Dropping "seats" would leave Office with a value its type no longer has.
    let narrowed = store
        .update_resource(
            &at(3 * SEC),
            &CUSTOM_OBJECT_TYPES,
            licence,
            &values(&["Licence", "", "vendor: text required"]),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&narrowed, Error::Conflict(m) if m.contains("Office") && m.contains("seats")),
        "{narrowed:?}"
    );
    // A new optional attribute fits everyone.
    store
        .update_resource(
            &at(4 * SEC),
            &CUSTOM_OBJECT_TYPES,
            licence,
            &values(&[
                "Licence",
                "",
                "vendor: text required\nseats: number required\nexpires: date\nnotes: text",
            ]),
        )
        .await
        .unwrap();
    let refused = store
        .delete_resources(&at(5 * SEC), &CUSTOM_OBJECT_TYPES, &[licence])
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Conflict(m) if m.contains("\"Office\"")),
        "{refused:?}"
    );

    // An object's old values come back from its history, checked again.
    store
        .update_resource(
            &at(6 * SEC),
            &CUSTOM_OBJECTS,
            office,
            &values(&["Office", "Licence", "", "vendor=Contoso\nseats=300"]),
        )
        .await
        .unwrap();
    let history = store
        .resource_history(&CUSTOM_OBJECTS, office, 0, 10)
        .await
        .unwrap();
    let first = history.items.last().unwrap().version_id;
    store
        .restore_resource_version(&at(7 * SEC), &CUSTOM_OBJECTS, office, first)
        .await
        .unwrap();
    let now = store
        .get_resource(&CUSTOM_OBJECTS, office, None)
        .await
        .unwrap()
        .record;
    assert_eq!(now.values[3], "vendor=Contoso\nseats=250");
}

#[tokio::test]
async fn the_objects_list_narrows_to_one_type() {
    let store = store().await;
    let licence = licence_type(&store).await;
    let badge = store
        .create_resource(
            &at(2 * SEC),
            &CUSTOM_OBJECT_TYPES,
            &values(&["Badge", "", "number: text"]),
        )
        .await
        .unwrap();
    for (i, (name, kind, vals)) in [
        ("Office", "Licence", "vendor=Contoso\nseats=10"),
        ("Front door", "Badge", "number=17"),
        ("Back door", "Badge", "number=18"),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .create_resource(
                &at((3 + i as i64) * SEC),
                &CUSTOM_OBJECTS,
                &values(&[name, kind, "", vals]),
            )
            .await
            .unwrap();
    }
    let names = |parent: Option<i64>| {
        let store = &store;
        async move {
            store
                .search_resources(
                    &CUSTOM_OBJECTS,
                    &DirectoryQuery {
                        parent,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .items
                .iter()
                .map(|r| r.name().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(Some(badge)).await, ["Back door", "Front door"]);
    assert_eq!(names(Some(licence)).await, ["Office"]);
    assert_eq!(names(None).await.len(), 3);
    // The type's page offers its objects as a narrowed list.
    let objects = &CUSTOM_OBJECT_TYPES.dependents[0];
    let listed = kinds::narrowed_list_of(objects).expect("the objects list narrows by type");
    assert_eq!(
        listed.list_path_within(badge),
        format!("/custom-objects?in={badge}")
    );
}
