"""gsomia.node."""
