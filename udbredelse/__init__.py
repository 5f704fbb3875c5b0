"""Core package: catalog, ingest, pseudonymisation, export and the CLI."""
