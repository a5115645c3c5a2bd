"""Loaders: read -> normalise -> load, one module per source format. Depends on graph/ only."""
