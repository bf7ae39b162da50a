"""One module per command; each holds the logic the CLI calls, free of click."""
