#!/bin/sh
# One role and one database per service, as in the Kubernetes deployment (CloudNativePG).
set -eu
for service in identity connectivity booking payment analytics operations support notifications; do
  psql -v ON_ERROR_STOP=1 -U postgres -v name="$service" -v password="$LADDA_DB_PASSWORD" <<'SQL'
create role :"name" login password :'password';
create database :"name" owner :"name";
SQL
done
