"""Hidden checks of assignment 2: windows over a series, the RNN layout, next characters."""
