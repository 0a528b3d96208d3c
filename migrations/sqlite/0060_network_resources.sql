-- The network resources, declared kinds of the resource engine (docs/architecture.md):
-- system-versioned like every identity table (0002_identity.sql).
-- Subnets of the internal network (model::kinds::NETWORKS). The mask is kept dotted for
-- IPv4 and as a prefix length for IPv6; ranges do not overlap (checked by the store).
CREATE TABLE networks (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    address             TEXT   NOT NULL,
    address_key         TEXT   NOT NULL,
    mask                TEXT   NOT NULL,
    internal            BIGINT NOT NULL,
    dhcp                BIGINT NOT NULL,
    dhcp_attributes     TEXT   NOT NULL,
    restrict_login      BIGINT NOT NULL
);
CREATE UNIQUE INDEX networks_current ON networks (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX networks_name_current ON networks (name_key) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX networks_address_current ON networks (address_key) WHERE valid_to IS NULL;
CREATE INDEX networks_object ON networks (object_id, valid_from);

-- Hosts (model::kinds::HOSTS): an address, when given, lies in the network's range and is
-- held by one current host.
CREATE TABLE hosts (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    address             TEXT   NOT NULL,
    address_key         TEXT   NOT NULL,
    network_id          BIGINT,
    mac                 TEXT   NOT NULL,
    aliases             TEXT   NOT NULL,
    operating_system    TEXT   NOT NULL,
    dhcp_parameters     TEXT   NOT NULL,
    dynamic_ip          BIGINT NOT NULL,
    mail_server         BIGINT NOT NULL,
    folder_server       BIGINT NOT NULL,
    printer_server      BIGINT NOT NULL,
    serial_number       TEXT   NOT NULL,
    device_type         TEXT   NOT NULL,
    cpu                 TEXT   NOT NULL,
    locked              BIGINT NOT NULL
);
CREATE UNIQUE INDEX hosts_current ON hosts (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX hosts_name_current ON hosts (name_key) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX hosts_address_current ON hosts (address_key) WHERE valid_to IS NULL AND address_key <> '';
CREATE INDEX hosts_network ON hosts (network_id) WHERE valid_to IS NULL;
CREATE INDEX hosts_object ON hosts (object_id, valid_from);

-- Printer queues (model::kinds::PRINTERS), each on a host that shares printers.
CREATE TABLE printers (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    name                TEXT   NOT NULL,
    name_key            TEXT   NOT NULL,
    description         TEXT   NOT NULL,
    server_id           BIGINT,
    model               TEXT   NOT NULL,
    restricted          BIGINT NOT NULL
);
CREATE UNIQUE INDEX printers_current ON printers (object_id) WHERE valid_to IS NULL;
CREATE UNIQUE INDEX printers_name_current ON printers (name_key) WHERE valid_to IS NULL;
CREATE INDEX printers_server ON printers (server_id) WHERE valid_to IS NULL;
CREATE INDEX printers_object ON printers (object_id, valid_from);

-- Browsers single sign-on clients reported (model::kinds::DETECTED_BROWSERS); a host may
-- report several, so the host name is not unique.
CREATE TABLE detected_browsers (
    version_id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id           BIGINT NOT NULL,
    valid_from          BIGINT NOT NULL,
    valid_to            BIGINT,
    changed_by          TEXT   NOT NULL,
    operation_id        BIGINT NOT NULL,
    ended_by            TEXT,
    ended_operation_id  BIGINT,
    host                TEXT   NOT NULL,
    host_key            TEXT   NOT NULL,
    browser             TEXT   NOT NULL,
    address             TEXT   NOT NULL,
    operating_system    TEXT   NOT NULL,
    last_user           TEXT   NOT NULL,
    last_connection     TEXT   NOT NULL,
    serial_number       TEXT   NOT NULL,
    device_type         TEXT   NOT NULL,
    cpu                 TEXT   NOT NULL,
    locked              BIGINT NOT NULL
);
CREATE UNIQUE INDEX detected_browsers_current ON detected_browsers (object_id) WHERE valid_to IS NULL;
CREATE INDEX detected_browsers_host_current ON detected_browsers (host_key) WHERE valid_to IS NULL;
CREATE INDEX detected_browsers_object ON detected_browsers (object_id, valid_from);
