"""Account mails: e-mail verification, password reset, and notices of account changes."""
