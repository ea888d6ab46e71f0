"""gsomia.exchange."""
