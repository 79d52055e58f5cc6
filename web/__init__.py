"""The web service: a read-only supervisor dashboard and a JSON API for event intake, behind tokens and roles."""
