"""gsomia.web."""
