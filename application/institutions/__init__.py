"""Institutions: the platform owner's billing and oversight of universities."""
