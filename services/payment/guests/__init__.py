"""Ad-hoc charging without an account (EU AFIR): a connector's QR code, a hold, a capability link."""
