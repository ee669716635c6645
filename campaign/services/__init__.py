"""Use-cases that touch the database: the only layer combining domain logic with storage."""
