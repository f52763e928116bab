-- OCPP security profile per charger: 1 (Basic auth, plain), 2 (Basic auth over TLS), 3 (TLS with
-- a client certificate whose CN is the charger's id; no password accepted). 1 and 2 are handled
-- alike at the handshake; 3 requires `ocpp_tls_client_ca_file`.
alter table charge_points
    add column security_profile smallint not null default 2
        constraint charge_points_security_profile check (security_profile in (1, 2, 3));
