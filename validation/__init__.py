"""Contracts at the boundaries: pandera models per incoming file type (contracts/), GX suites for the marts (quality/)."""
