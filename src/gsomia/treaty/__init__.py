"""gsomia.treaty."""
