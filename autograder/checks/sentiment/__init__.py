"""Hidden checks of assignment 4: sentiment of real movie reviews, an end-to-end text model."""
