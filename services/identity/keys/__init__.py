"""Signing keys: ES256 keys in identity's database, the JWKS, rotation."""
