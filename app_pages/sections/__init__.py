"""Sections of the pages that stand on their own: each is one function a page calls."""
