"""gsomia.labels."""
