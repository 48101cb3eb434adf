"""Checks of the canary notebook (autograder/canary.py): the grader's own environment test."""
