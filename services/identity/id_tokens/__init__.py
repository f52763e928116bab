"""RFID cards and app tokens, and the charging authorisation decision published per UID."""
