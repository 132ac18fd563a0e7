"""The ``stuckpoint`` command."""
