"""The identity service: users, roles, credentials, signing keys (JWKS), RFID/app id-tokens and the charging authorisation decision."""
