"""Hidden checks of assignment 3: a seq2seq model that learns integer addition."""
