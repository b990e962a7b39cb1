"""Licence-safe releases: what may be published publicly, and rebuilding frames from the user's own scans."""
