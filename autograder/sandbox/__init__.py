"""The untrusted side: running a student's notebook in its own process, under limits."""
