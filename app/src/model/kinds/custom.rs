//! Custom objects: types an administrator declares, each with its own typed attributes, and
//! objects of those types.
use super::{attribute, name, Dependent, ResourceKind, ValueType, DESCRIPTION};
use crate::model::resource::Rule;
use crate::model::Permission;

/// Kinds of object the organisation defines for itself ("Software licence", "Badge").
pub static CUSTOM_OBJECT_TYPES: ResourceKind = ResourceKind {
    slug: "custom-object-types",
    table: "custom_object_types",
    singular: "custom object type",
    plural: "Custom object types",
    action: "custom-object-type",
    attributes: &[
        name("name", "Type name", "Name"),
        DESCRIPTION,
        attribute(
            "attributes",
            "attributes",
            "Attributes (one “key: type” per line; types text, number, flag, date; add “required”)",
            "Attributes",
            ValueType::AttributeSpec,
        ),
    ],
    search_hint: "name or description",
    dependents: &[Dependent {
        table: "custom_objects",
        column: "type_id",
        title: "Objects of this type",
        noun: "objects",
        empty: "No object has this type.",
        href: "/custom-objects/",
        columns: &[("x.name", "Object"), ("x.description", "Description")],
        count: Some(("objects", "Objects")),
        blocks_delete: true,
        filter: "",
        link: "x.object_id",
    }],
    affects: None,
    rules: &[],
    matched_by: &[],
    access: None,
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};

/// Objects of the custom types, their values checked against their type's attributes.
pub static CUSTOM_OBJECTS: ResourceKind = ResourceKind {
    slug: "custom-objects",
    table: "custom_objects",
    singular: "custom object",
    plural: "Custom objects",
    action: "custom-object",
    attributes: &[
        name("name", "Object name", "Name"),
        attribute(
            "type",
            "type_id",
            "Type",
            "Type",
            ValueType::Reference(&CUSTOM_OBJECT_TYPES),
        )
        .required(),
        DESCRIPTION,
        attribute(
            "values",
            "attribute_values",
            "Attribute values (one “key=value” per line)",
            "Values",
            ValueType::AttributeValues,
        ),
    ],
    search_hint: "name, type, description or value",
    dependents: &[],
    affects: None,
    rules: &[Rule::Typed {
        type_ref: "type",
        spec: "attributes",
        values: "values",
    }],
    matched_by: &[],
    access: None,
    manual_entry: true,
    read: Permission::IdentityRead,
    write: Permission::IdentityWrite,
};
