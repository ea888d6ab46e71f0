"""gsomia.seal."""
