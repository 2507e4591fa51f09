"""The demo installation: the catalog of the terms file, demo customers and a billed month."""
