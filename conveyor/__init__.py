"""Conveyor's command line: thin wiring of graph/, loaders/ and queries/."""
