"""Institutions: the universities the platform bills and watches over."""
