"""Authorities: the list with filters, the edit form, and CSV import."""
