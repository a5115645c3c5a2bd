"""Saved queries, the route engine and exports. Depends on graph/ only."""
