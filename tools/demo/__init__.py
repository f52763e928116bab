"""The local demo's data, made through the public REST API like any app would."""
