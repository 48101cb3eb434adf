"""Hidden checks of the stocks assignment."""
