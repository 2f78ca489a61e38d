"""Helpers shared by the deploy, equivalence and provider-schema tests."""
