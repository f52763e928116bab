-- Restrictions of id-tokens that identity limits to one connector and one transaction (payment's
-- hold tokens: pay as you go, guests). A token without a row here is unrestricted.
create table id_token_restrictions (
    uid              text primary key,
    charge_point_id  text not null,
    connector_id     int,
    single_use       boolean not null default false
);
