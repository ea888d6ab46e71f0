"""gsomia: exchange classified military information under security agreements."""

__version__ = "0.1.0"
