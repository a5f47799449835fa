"""Core's pages, one URL module per room: ``audit`` (namespace "audit", mounted at /audit/) and
``calendar`` (namespace "calendar", at /calendar/); linli/urls.py mounts both and the health check."""
