"""A trusted autograder for the RNN course: student notebooks run sandboxed, checks run apart."""

__version__ = "0.1.0"
