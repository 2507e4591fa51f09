"""The `syres` command line."""
