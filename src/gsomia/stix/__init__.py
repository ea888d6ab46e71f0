"""STIX 2.1: items and holdings as STIX objects with both labels, and STIX objects taken in
as drafts. Pure: no I/O, no clock."""
