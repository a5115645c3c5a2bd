"""Conveyor's graph model and stores. Imports nothing else of Conveyor's."""
