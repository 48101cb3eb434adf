"""Hidden checks of the textgen assignment: a character-level language model that writes."""
