"""gsomia.ledger."""
