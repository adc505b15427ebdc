"""Renderers: one Report, many shapes (text for people, JSON and SARIF for machines)."""
