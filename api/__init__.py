"""The HTTP face of Stuckpoint: ingest endpoints, health checks, auth and settings."""
