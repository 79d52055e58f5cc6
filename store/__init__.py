"""The account store: the book of record for accounts, payments and the audit trail."""
