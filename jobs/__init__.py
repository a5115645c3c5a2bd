"""Graph -> graph work run after loads: derivations, resolution, flags. Imports graph/ only."""
